//! Benchmark of reserving with the mail service up and down, and of the outbox's delivery lag,
//! through the router against the local stack: `python3 scripts/stack.py --profile test --
//! cargo bench -p server --bench mail`.
//!
//! 150 guests reserve one after another with SES (ministack) reachable and the courier running
//! in the background; then 150 more with SES cut off (a relay the benchmark stops). Prints the
//! answer's p50/p99 in each case, the outbox's lag (queued → sent) p50/p99 while SES is up,
//! and how the mails ended once SES is back. Not a test: it asserts nothing about speed.

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{ms, percentile};

use std::time::{Duration, Instant};

use app::guest;
use axum::http::{header, StatusCode};
use common::proxy::{host_port, Relay};
use common::{new_gift, new_list, now, site};
use domain::UserId;
use leptos::server_fn::ServerFn;
use server::store::outbox::{MailState, Outbox};
use server::store::Table;
use server::AppState;
use time::OffsetDateTime;

const GUESTS: usize = 150;

/// `GUESTS` reservations, one after another; their answer times, sorted.
async fn reserve_many(state: &AppState, list: &str, gifts: &[String], run: &str) -> Vec<Duration> {
    let origin = state.config.site_url.origin().ascii_serialization();
    let mut times = Vec::with_capacity(GUESTS);
    for n in 0..GUESTS {
        let email = format!("bench-{run}-{n}@example.com");
        let address = format!("10.{}.{}.{}", run.len(), n / 250, n % 250 + 1);
        let body = site::form(&[
            ("list_id", list),
            ("gift_id", &gifts[n % gifts.len()]),
            ("name", "Bea"),
            ("email", &email),
            ("quantity", "1"),
        ]);
        let started = Instant::now();
        let reply = site::post_with(
            state,
            guest::Reserve::PATH,
            "",
            &body,
            &[
                (header::ORIGIN, origin.as_str()),
                (header::HeaderName::from_static("x-forwarded-for"), &address),
            ],
        )
        .await;
        times.push(started.elapsed());
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    times.sort();
    times
}

#[tokio::main]
async fn main() {
    let mut relay = Relay::start(&host_port(&site::stack_var("EWELISTS_SES_ENDPOINT"))).await;
    let mut config = site::config(
        "test",
        &site::stack_var("EWELISTS_SITE_URL"),
        &site::unique_table("bench-mail"),
        true,
    );
    config.client_ip_header = Some("x-forwarded-for".to_owned());
    config.mail.endpoint = Some(relay.url().parse().unwrap());
    // One list takes every guest's reservation: its hourly mail quota is lifted for the run.
    let state = site::with_quotas(
        site::migrated(config).await,
        &[(app::ports::LimitedAction::MailFromList, u32::MAX, 3600)],
    );
    let owner = UserId::generate();
    let list = new_list(owner, "Benchmark", now());
    state.store.create_list(&list).await.unwrap();
    let mut gifts = Vec::new();
    for _ in 0..8 {
        let gift = new_gift(list.id, 99, None);
        state.store.add_gift(&owner, &gift).await.unwrap();
        gifts.push(gift.id.to_string());
    }
    let list = list.id.to_string();
    let outbox = Outbox::new(Table::new(
        state.dynamodb.clone(),
        state.config.table.name.clone(),
    ));

    // SES up, the courier running as `server serve` runs it.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let courier = tokio::spawn(state.courier.clone().run(async {
        let _ = stopped.await;
    }));
    let up = reserve_many(&state, &list, &gifts, "up").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox.counts().await.unwrap().pending > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut lags: Vec<Duration> = outbox
        .all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| Some((m.done_at? - m.queued_at?).unsigned_abs()))
        .collect();
    lags.sort();

    // SES down.
    relay.stop().await;
    let down = reserve_many(&state, &list, &gifts, "down").await;
    let _ = stop.send(());
    let _ = courier.await;

    // SES back: everything goes.
    relay.restart().await;
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(10);
    state.courier.deliver_all_due(later).await.unwrap();
    let all = outbox.all().await.unwrap();
    let sent = all.iter().filter(|m| m.state == MailState::Sent).count();

    println!("reserve through the router, {GUESTS} guests one after another:");
    for (name, times) in [("SES up", &up), ("SES down", &down)] {
        println!(
            "  {name:9} p50 {:6.1} ms   p99 {:6.1} ms   max {:6.1} ms",
            ms(percentile(times, 0.50)),
            ms(percentile(times, 0.99)),
            ms(percentile(times, 1.0)),
        );
    }
    println!(
        "outbox lag (queued → sent) with SES up: p50 {:.1} ms, p99 {:.1} ms ({} mails)",
        ms(percentile(&lags, 0.50)),
        ms(percentile(&lags, 0.99)),
        lags.len()
    );
    println!(
        "after SES came back: {sent} of {} mails sent, {} still waiting",
        all.len(),
        outbox.counts().await.unwrap().pending
    );
}
