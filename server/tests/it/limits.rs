//! The guests' rate limits, counted in the table: two limiters on one table (two instances of
//! the server) share every quota; keys and actions stay apart; a refused key costs no more
//! writes; the table going away lets guests through rather than locking them out.
//!
//! (`process::two_servers_share_one_quota` shows the same with two server processes.)

use app::ports::LimitedAction;
use server::limits::{Quota, Quotas, TableLimiter};
use server::store::limits::Counters;
use server::store::Table;
use time::macros::datetime;
use time::OffsetDateTime;

use crate::common::{fixture, Fixture};

fn tiny() -> Quotas {
    Quotas::standard()
        .with(
            LimitedAction::Reserve,
            Quota {
                limit: 3,
                window_seconds: 600,
            },
        )
        .with(
            LimitedAction::Reservation,
            Quota {
                limit: 2,
                window_seconds: 60,
            },
        )
}

fn limiter(f: &Fixture) -> TableLimiter {
    TableLimiter::new(
        Counters::new(Table::new(f.client.clone(), f.table.clone())),
        tiny(),
    )
}

/// Inside one 10-minute window.
const AT: OffsetDateTime = datetime!(2026-12-02 10:01 UTC);

#[tokio::test]
async fn two_instances_share_one_quota() {
    let f = fixture("limits").await;
    let (a, b) = (limiter(&f), limiter(&f));
    let key = ["203.0.113.7"];
    let mut allowed = 0;
    for i in 0..8 {
        let instance = if i % 2 == 0 { &a } else { &b };
        if instance.allow_at(LimitedAction::Reserve, &key, AT).await {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 3, "one quota of 3 for both instances");
}

#[tokio::test]
async fn keys_actions_and_windows_stay_apart() {
    let f = fixture("limits").await;
    let limits = limiter(&f);
    for _ in 0..3 {
        assert!(limits.allow_at(LimitedAction::Reserve, &["a"], AT).await);
    }
    assert!(!limits.allow_at(LimitedAction::Reserve, &["a"], AT).await);
    assert!(limits.allow_at(LimitedAction::Reserve, &["b"], AT).await);
    assert!(
        limits
            .allow_at(LimitedAction::Reservation, &["a"], AT)
            .await
    );
    // The next window starts afresh (10:10).
    let next = datetime!(2026-12-02 10:10 UTC);
    assert!(limits.allow_at(LimitedAction::Reserve, &["a"], next).await);
}

#[tokio::test]
async fn an_attempt_with_two_keys_needs_room_in_both() {
    let f = fixture("limits").await;
    let limits = limiter(&f);
    let list_mailbox = "list-1|ann@example.com";
    for n in 0..3 {
        let address = format!("198.51.100.{n}");
        assert!(
            limits
                .allow_at(LimitedAction::Reserve, &[&address, list_mailbox], AT)
                .await
        );
    }
    // A fresh address, but the list and mailbox are used up.
    assert!(
        !limits
            .allow_at(LimitedAction::Reserve, &["198.51.100.9", list_mailbox], AT)
            .await
    );
    // A key given twice counts once.
    assert!(
        limits
            .allow_at(LimitedAction::Reservation, &["c", "c"], AT)
            .await
    );
    assert!(
        limits
            .allow_at(LimitedAction::Reservation, &["c"], AT)
            .await
    );
    assert!(
        !limits
            .allow_at(LimitedAction::Reservation, &["c"], AT)
            .await
    );
    // No keys: nothing to limit.
    assert!(limits.allow_at(LimitedAction::Reservation, &[], AT).await);
}

#[tokio::test]
async fn a_refused_key_costs_the_table_nothing_more_in_its_window() {
    let f = fixture("limits").await;
    let limits = limiter(&f);
    for _ in 0..2 {
        limits
            .allow_at(LimitedAction::Reservation, &["hot"], AT)
            .await;
    }
    assert!(
        !limits
            .allow_at(LimitedAction::Reservation, &["hot"], AT)
            .await
    );
    // The table goes away: this instance still refuses the hot key (from memory), and
    // lets others through rather than locking every guest out.
    f.drop_table().await;
    for _ in 0..5 {
        assert!(
            !limits
                .allow_at(LimitedAction::Reservation, &["hot"], AT)
                .await
        );
    }
    assert!(
        limits
            .allow_at(LimitedAction::Reservation, &["cold"], AT)
            .await
    );
}

#[tokio::test]
async fn counters_expire_after_their_window() {
    let f = fixture("limits").await;
    let limits = limiter(&f);
    assert!(
        limits
            .allow_at(LimitedAction::Reserve, &["list-1|ann@example.com"], AT)
            .await
    );
    let items = f.raw_scan().await;
    assert_eq!(items.len(), 1);
    let expires = crate::common::number(&items[0], "expires_at");
    assert_eq!(
        expires as i64,
        datetime!(2026-12-02 10:10 UTC).unix_timestamp()
    );
    // The mailbox is not spelled out in the table.
    assert!(!format!("{items:?}").contains("ann@"));
}
