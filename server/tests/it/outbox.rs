//! The mail outbox and its courier, through the router, against DynamoDB Local and ministack's
//! SES: a change and its mail are one write, every mail goes exactly once with two couriers
//! at work, the mail service going down delays mail but loses none and never slows a guest,
//! a day of failures ends in the counted dead state, and a bounced mailbox is never mailed.
//!
//! Needs the local stack (`./dev test`, or `scripts/stack.py --profile test -- cargo test`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use server::mail::{feedback, Courier, SesMailer};
use server::store::outbox::{MailState, Outbox};
use server::store::Table;
use server::AppState;
use time::OffsetDateTime;

use crate::common::proxy::{host_port, Relay};
use crate::common::site;
use crate::guest::{
    confirm_purchase, guest_config, list_with_gift, public_view, reserve, token_of, unique_email,
};

/// The guests' site, with SES reached through `relay` (which the test can stop).
async fn site_with_mail_via(relay: &Relay) -> AppState {
    let mut config = guest_config();
    config.mail.endpoint = Some(relay.url().parse().unwrap());
    site::migrated(config).await
}

/// A relay to the stack's SES.
async fn ses_relay() -> Relay {
    Relay::start(&host_port(&site::stack_var("EWELISTS_SES_ENDPOINT"))).await
}

/// The outbox of the site's table, read directly.
fn outbox(state: &AppState) -> Outbox {
    Outbox::new(Table::new(
        state.dynamodb.clone(),
        state.config.table.name.clone(),
    ))
}

/// A courier of another instance on the site's table, sending through the site's SES.
async fn another_courier(state: &AppState) -> Courier {
    let sdk = server::aws_sdk_config().await;
    Courier::new(
        Arc::new(outbox(state)),
        Arc::new(SesMailer::new(
            server::mail::client(&sdk, &state.config.mail).await,
            state.config.mail.sender.clone(),
            state.config.site_url.clone(),
        )),
    )
}

/// The guests' mails of the site's table (not the owner's welcome), as (state, tries).
async fn states(state: &AppState) -> Vec<(MailState, u32)> {
    let mut all: Vec<_> = outbox(state)
        .all()
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.kind != "welcome")
        .map(|mail| (mail.state, mail.tries))
        .collect();
    all.sort_by_key(|(state, tries)| (state.as_str(), *tries));
    all
}

#[tokio::test]
async fn a_reservation_and_its_mail_are_written_together_and_a_refusal_writes_neither() {
    let state = site::migrated(guest_config()).await;
    let (_, list, gift) = list_with_gift(&state, "2").await;
    assert!(states(&state).await.is_empty());
    // The owner's account came with its welcome.
    assert_eq!(outbox(&state).counts().await.unwrap().pending, 1);

    let ok = reserve(&state, &list, &gift, "Gus", &unique_email("gus"), "1").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(states(&state).await, [(MailState::Pending, 0)]);

    // More than is left: refused, and nobody is mailed.
    let refused = reserve(&state, &list, &gift, "Ida", &unique_email("ida"), "2").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(states(&state).await, [(MailState::Pending, 0)]);
    assert_eq!(outbox(&state).counts().await.unwrap().pending, 2);
}

#[tokio::test]
async fn two_couriers_at_once_send_every_mail_exactly_once() {
    let state = site::migrated(guest_config()).await;
    let (_, list, gift) = list_with_gift(&state, "20").await;
    let mut guests = Vec::new();
    for n in 0..12 {
        let email = unique_email(&format!("pair{n}"));
        let reply = reserve(&state, &list, &gift, "Gus", &email, "1").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        guests.push(email);
    }
    // A second instance's courier on the same table.
    let other = another_courier(&state).await;
    let now = OffsetDateTime::now_utc();
    let (a, b) = tokio::join!(
        state.courier.deliver_all_due(now),
        other.deliver_all_due(now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // The guests' mails and the owner's welcome.
    assert_eq!(a.sent + b.sent, 13, "{a:?} {b:?}");
    for email in &guests {
        assert_eq!(site::outbox_for(email).await.len(), 1, "{email}");
    }
    assert_eq!(states(&state).await, [(MailState::Sent, 1); 12]);
    // Nothing is due any more.
    assert_eq!(state.courier.deliver_all_due(now).await.unwrap().due, 0);
}

#[tokio::test]
async fn with_the_mail_service_down_guests_are_answered_at_once_and_no_mail_is_lost() {
    let mut relay = ses_relay().await;
    let state = site_with_mail_via(&relay).await;
    let (_, list, gift) = list_with_gift(&state, "20").await;
    relay.stop().await;

    let mut guests = Vec::new();
    let mut slowest = Duration::ZERO;
    for n in 0..10 {
        let email = unique_email(&format!("down{n}"));
        let started = Instant::now();
        let reply = reserve(&state, &list, &gift, "Gus", &email, "1").await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        guests.push((email, token_of(&reply)));
    }
    assert!(
        slowest < Duration::from_secs(1),
        "slowest answer {slowest:?}"
    );

    // The courier's try fails: every mail waits for another.
    let now = OffsetDateTime::now_utc();
    let pass = state.courier.deliver_all_due(now).await.unwrap();
    assert_eq!((pass.sent, pass.retried), (0, 11), "{pass:?}");
    assert_eq!(states(&state).await, [(MailState::Pending, 1); 10]);
    // Not due again before its pause.
    assert_eq!(state.courier.deliver_all_due(now).await.unwrap().due, 0);

    // The service is back; later, each mail goes once.
    relay.restart().await;
    let later = now + time::Duration::minutes(5);
    let pass = state.courier.deliver_all_due(later).await.unwrap();
    assert_eq!(pass.sent, 11, "{pass:?}");
    assert_eq!(states(&state).await, [(MailState::Sent, 2); 10]);
    for (email, token) in &guests {
        let mail = site::outbox_for(email).await;
        assert_eq!(mail.len(), 1, "{email}: {mail:?}");
        assert!(mail[0]
            .body_text
            .contains(&format!("/reservations/{token}")));
    }
}

#[tokio::test]
async fn a_mail_failing_for_a_day_is_given_up_and_counted() {
    let mut relay = ses_relay().await;
    let state = site_with_mail_via(&relay).await;
    let (_, list, gift) = list_with_gift(&state, "2").await;
    relay.stop().await;
    let email = unique_email("never");
    let reply = reserve(&state, &list, &gift, "Gus", &email, "1").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let now = OffsetDateTime::now_utc();
    // The guest's mail and the owner's welcome.
    let first = state.courier.deliver_all_due(now).await.unwrap();
    assert_eq!(first.retried, 2, "{first:?}");
    let day_later = now + time::Duration::hours(25);
    let last = state.courier.deliver_all_due(day_later).await.unwrap();
    assert_eq!(last.dead, 2, "{last:?}");
    assert_eq!(states(&state).await, [(MailState::Dead, 2)]);
    let counts = outbox(&state).counts().await.unwrap();
    assert_eq!((counts.pending, counts.dead), (0, 2));
    // The reservation stands.
    let page = site::get(&state, &format!("/reservations/{}", token_of(&reply)), "").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn a_bounced_mailbox_is_never_mailed_again() {
    let state = site::migrated(guest_config()).await;
    let (_, list, gift) = list_with_gift(&state, "3").await;
    let email = unique_email("bounced");
    let report = serde_json::json!({
        "Type": "Notification",
        "Message": serde_json::json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bouncedRecipients": [{ "emailAddress": email.to_uppercase() }]
            }
        }).to_string()
    });
    let suppressions = feedback::read(&report);
    assert_eq!(suppressions.len(), 1);
    let now = OffsetDateTime::now_utc();
    outbox(&state)
        .suppress(&suppressions[0].email, suppressions[0].reason.as_str(), now)
        .await
        .unwrap();

    let reply = reserve(&state, &list, &gift, "Gus", &email, "1").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let other = unique_email("fine");
    reserve(&state, &list, &gift, "Ida", &other, "1").await;
    let now = OffsetDateTime::now_utc();
    let pass = state.courier.deliver_all_due(now).await.unwrap();
    // The other guest's mail and the owner's welcome go; the bounced mailbox's does not.
    assert_eq!((pass.sent, pass.suppressed), (2, 1), "{pass:?}");
    assert!(site::outbox_for(&email).await.is_empty());
    assert_eq!(site::outbox_for(&other).await.len(), 1);

    // Confirming the purchase queues its mail, which is suppressed too.
    confirm_purchase(&state, &token_of(&reply)).await;
    let pass = state
        .courier
        .deliver_all_due(OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(pass.suppressed, 1, "{pass:?}");
    assert!(site::outbox_for(&email).await.is_empty());
}

#[tokio::test]
async fn with_the_table_down_a_guest_is_told_to_try_again_and_nothing_is_half_written() {
    let mut relay = Relay::start(&host_port(&site::stack_var("EWELISTS_DYNAMODB_ENDPOINT"))).await;
    let mut config = guest_config();
    config.table.endpoint = Some(relay.url().parse().unwrap());
    let state = site::migrated(config).await;
    let (_, list, gift) = list_with_gift(&state, "3").await;

    // Down before the request.
    relay.stop().await;
    let started = Instant::now();
    let reply = reserve(&state, &list, &gift, "Gus", &unique_email("down"), "1").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    let words = site::error_of(&reply).to_string();
    assert!(words.contains("try again"), "the answer in words: {words}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    // Down in the middle of requests: each commits whole or not at all.
    relay.restart().await;
    let mut answers = Vec::new();
    let cut = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        relay.stop().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        relay.restart().await;
    };
    let requests = async {
        for n in 0..6 {
            let email = unique_email(&format!("mid{n}"));
            answers.push(
                reserve(&state, &list, &gift, "Gus", &email, "1")
                    .await
                    .status,
            );
        }
    };
    tokio::join!(cut, requests);

    // Back, without restarting the site.
    let reply = reserve(&state, &list, &gift, "Ida", &unique_email("back"), "1").await;
    assert!(
        reply.status == StatusCode::OK || reply.status == StatusCode::CONFLICT,
        "{}",
        reply.body
    );
    let page: app::guest::PublicListView = public_view(&state, &list).await;
    // The gift's counters agree with the reservations and the outbox: nothing half written.
    let held = 3 - page.gifts[0].remaining;
    let mails = outbox(&state)
        .all()
        .await
        .unwrap()
        .iter()
        .filter(|mail| mail.kind != "welcome")
        .count() as u32;
    assert_eq!(held, mails, "one mail per reservation: {answers:?}");
    let ok = answers.iter().filter(|s| **s == StatusCode::OK).count() as u32;
    assert!(
        ok <= held,
        "every acknowledged reservation is held: {answers:?}"
    );
}

#[tokio::test]
async fn over_the_site_s_hourly_mail_quota_mails_wait_in_the_outbox_not_lost() {
    use app::ports::LimitedAction;
    let state = site::migrated(guest_config()).await;
    let (_, list, gift) = list_with_gift(&state, "20").await;
    let mut guests = Vec::new();
    for n in 0..5 {
        let email = unique_email(&format!("paced{n}"));
        let reply = reserve(&state, &list, &gift, "Gus", &email, "1").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        guests.push(email);
    }
    // A courier whose site may send three mails this hour.
    site::clear_of_window_end(3600, 30).await;
    let limited = site::with_quotas(state.clone(), &[(LimitedAction::CourierMail, 3, 3600)]);
    let courier = another_courier(&state)
        .await
        .with_pacing(limited.limits.clone());
    let now = OffsetDateTime::now_utc();
    let pass = courier.deliver_all_due(now).await.unwrap();
    // Five guests' mails and the owner's welcome: three sent, three held back.
    assert_eq!((pass.sent, pass.paced), (3, 3), "{pass:?}");
    let sent: usize = futures::future::join_all(guests.iter().map(|g| site::outbox_for(g)))
        .await
        .iter()
        .map(Vec::len)
        .sum();
    assert!(sent <= 3, "{sent}");
    // Held back, not given up: due again a few minutes later, still pending.
    let pending = outbox(&state).counts().await.unwrap().pending;
    assert_eq!(pending, 3);
    assert_eq!(courier.deliver_all_due(now).await.unwrap().due, 0);
    let later = now + time::Duration::minutes(6);
    assert_eq!(courier.deliver_all_due(later).await.unwrap().due, 3);
}
