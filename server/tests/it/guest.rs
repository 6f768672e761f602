//! Black-box tests of the guests' server functions and pages through the router: reserving
//! (bad input, another list's gift, closed lists, lost races in words, cross-site posts, rate
//! limits), the remembered-reservations cookie, the reservation page and its actions, and the
//! emails in the stack's outbox.
//!
//! Needs the local stack (`./dev test`, or `scripts/stack.py --profile test -- cargo test`).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::site::{self, error_of, form, get, json, post_with, Reply};
use app::error::AppError;
use app::guest::{PublicListView, ReservationView, ReserveAnswer};
use app::{account, guest, owner};
use axum::http::{header, StatusCode};
use domain::{RuleError, SurpriseMode};
use leptos::server_fn::ServerFn;
use server::AppState;
use time::Duration;

/// Each request comes from its own address unless a test says otherwise, so that rate limits
/// only bite where a test means them to.
static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(1);

pub(crate) fn fresh_address() -> String {
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed);
    format!("203.0.{}.{}", n / 250, n % 250 + 1)
}

/// The guests' site's settings: the stack's sign-in and mail, a fresh table, and the client's
/// address from `X-Forwarded-For`.
pub(crate) fn guest_config() -> server::config::Config {
    let mut config = site::config(
        "test",
        &site::stack_var("EWELISTS_SITE_URL"),
        &site::unique_table("guest"),
        true,
    );
    config.client_ip_header = Some("x-forwarded-for".to_owned());
    config
}

async fn guest_site() -> AppState {
    site::migrated(guest_config()).await
}

/// A POST from the site's own page, from `address`.
async fn post_as(state: &AppState, address: &str, path: &str, cookies: &str, body: &str) -> Reply {
    let origin = state.config.site_url.origin().ascii_serialization();
    post_with(
        state,
        path,
        cookies,
        body,
        &[
            (header::ORIGIN, origin.as_str()),
            (header::HeaderName::from_static("x-forwarded-for"), address),
        ],
    )
    .await
}

/// A GET of a page from `address`.
async fn get_as(state: &AppState, address: &str, path: &str) -> Reply {
    let request = axum::http::Request::get(path)
        .header("x-forwarded-for", address)
        .body(axum::body::Body::empty())
        .unwrap();
    site::send(state, request).await
}

pub(crate) async fn post(state: &AppState, path: &str, cookies: &str, body: &str) -> Reply {
    post_as(state, &fresh_address(), path, cookies, body).await
}

/// An owner with a list holding one gift wanted `wanted` times; returns (owner cookie, list id, gift id).
pub(crate) async fn list_with_gift(state: &AppState, wanted: &str) -> (String, String, String) {
    let (owner, _) = site::session_for(state, "Olive", Duration::days(30)).await;
    let list: String = json(
        &post(
            state,
            owner::CreateList::PATH,
            &owner,
            &form(&[("title", "Leo's party"), ("occasion", "birthday")]),
        )
        .await,
    );
    let gift: String = json(
        &post(
            state,
            owner::AddGift::PATH,
            &owner,
            &form(&[
                ("list_id", &list),
                ("title", "Balance bike"),
                ("url", "https://shop.example/bike"),
                ("wanted", wanted),
            ]),
        )
        .await,
    );
    (owner, list, gift)
}

/// The public page's data of `list`, as a guest's browser gets it.
pub(crate) async fn public_view(state: &AppState, list: &str) -> PublicListView {
    json(
        &post(
            state,
            guest::PublicList::PATH,
            "",
            &form(&[("list_id", list)]),
        )
        .await,
    )
}

pub(crate) fn unique_email(prefix: &str) -> String {
    format!(
        "{prefix}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

pub(crate) async fn reserve(
    state: &AppState,
    list: &str,
    gift: &str,
    name: &str,
    email: &str,
    quantity: &str,
) -> Reply {
    post(
        state,
        guest::Reserve::PATH,
        "",
        &form(&[
            ("list_id", list),
            ("gift_id", gift),
            ("name", name),
            ("email", email),
            ("quantity", quantity),
        ]),
    )
    .await
}

/// The manage link's token from a Created answer.
/// A guest confirms the purchase on their reservation page.
pub(crate) async fn confirm_purchase(state: &AppState, token: &str) -> Reply {
    post(
        state,
        guest::ConfirmPurchase::PATH,
        "",
        &form(&[("token", token)]),
    )
    .await
}

pub(crate) fn token_of(reply: &Reply) -> String {
    let answer: ReserveAnswer = json(reply);
    answer
        .manage_path
        .trim_start_matches("/reservations/")
        .to_owned()
}

#[tokio::test]
async fn a_guest_reserves_and_the_email_carries_the_private_link() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "3").await;
    let email = unique_email("gus");
    let reply = reserve(&state, &list, &gift, "Gus", &email, "2").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = token_of(&reply);
    // The reservation page, which says the link is on its way and to keep it.
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("/reservations/{token}?new=1")
    );
    let landing = get(&state, &format!("/reservations/{token}?new=1"), "").await;
    assert!(
        landing
            .body
            .contains("We&#x27;re emailing you a link to this page")
            || landing
                .body
                .contains("We're emailing you a link to this page"),
        "{}",
        landing.body
    );
    // The browser remembers the token (signed), never the email.
    let remembered = reply.cookie("ewelists-reservations").expect("the cookie");
    assert!(
        !remembered.contains('@') && remembered.contains(&token),
        "{remembered}"
    );

    let mail = site::mail_to(&state, &email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let link = format!("/reservations/{token}");
    assert!(
        mail[0].body_text.contains(&link)
            && mail[0]
                .body_html
                .as_deref()
                .unwrap_or_default()
                .contains(&link)
    );

    // The public page: 1 of 3 left, "you reserved 2" for this browser only.
    let cookie = format!("ewelists-reservations={remembered}");
    let page: PublicListView = json(
        &post(
            &state,
            guest::PublicList::PATH,
            &cookie,
            &form(&[("list_id", &list)]),
        )
        .await,
    );
    assert_eq!(page.gifts[0].remaining, 1);
    assert_eq!(page.gifts[0].mine, 2);
    let stranger: PublicListView = public_view(&state, &list).await;
    assert_eq!(stranger.gifts[0].mine, 0);
    let html = get(&state, &format!("/lists/{list}"), "").await;
    assert!(
        !html.body.contains("Gus") && !html.body.contains(&email),
        "no guest's name or email on the public page"
    );
    assert!(html.body.contains("1 of 3 still wanted"), "{}", html.body);
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_reserves_nothing() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "3").await;
    let huge = "n".repeat(81);
    for (name, email, quantity, field) in [
        ("Gus", "not-an-email", "1", "email"),
        ("Gus", "", "1", "email"),
        ("", "gus@example.com", "1", "name"),
        (huge.as_str(), "gus@example.com", "1", "name"),
        ("Gus", "gus@example.com", "0", "quantity"),
        ("Gus", "gus@example.com", "1000", "quantity"),
        ("Gus", "gus@example.com", "-1", "quantity"),
        ("Gus", "gus@example.com", "two", "quantity"),
    ] {
        let reply = reserve(&state, &list, &gift, name, email, quantity).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.body
        );
        assert!(
            matches!(error_of(&reply), AppError::Invalid { field: f, .. } if f == field),
            "{field}: {}",
            reply.body
        );
    }
    // More than what is left is a rule, in words.
    let reply = reserve(&state, &list, &gift, "Gus", "gus@example.com", "4").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(error_of(&reply).to_string().contains("3"), "{}", reply.body);
    // The honeypot.
    let bot = post(
        &state,
        guest::Reserve::PATH,
        "",
        &form(&[
            ("list_id", &list),
            ("gift_id", &gift),
            ("name", "Bot"),
            ("email", "bot@example.com"),
            ("quantity", "1"),
            ("website", "http://spam.example"),
        ]),
    )
    .await;
    assert_eq!(bot.status, StatusCode::BAD_REQUEST);
    let page: PublicListView = public_view(&state, &list).await;
    assert_eq!(page.gifts[0].remaining, 3, "nothing was reserved");
}

#[tokio::test]
async fn unknown_lists_gifts_and_tokens_and_another_lists_gift() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "1").await;
    let (_, other_list, _) = list_with_gift(&state, "1").await;
    let reply = reserve(&state, &other_list, &gift, "Gus", "gus@example.com", "1").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(error_of(&reply), AppError::GiftNotFound);
    let reply = reserve(&state, "nope", &gift, "Gus", "gus@example.com", "1").await;
    assert_eq!(error_of(&reply), AppError::NotFound);
    let page = get(&state, "/lists/AAAAAAAAAAAAAAAAAAAAAA", "").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("We can't find that page"));
    // Tokens: malformed, and well-formed but unknown (on a real list).
    for token in ["garbage".to_owned(), format!("{list}.{}", "A".repeat(43))] {
        let reply = post(
            &state,
            guest::Reservation::PATH,
            "",
            &form(&[("token", &token)]),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{token}");
        assert_eq!(error_of(&reply), AppError::ReservationNotFound);
        let cancel = post(
            &state,
            guest::CancelReservation::PATH,
            "",
            &form(&[("token", &token)]),
        )
        .await;
        assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_reservation_page_confirms_changes_and_cancels() {
    let state = guest_site().await;
    let (owner, list, gift) = list_with_gift(&state, "3").await;
    // The owner sees counts without names (the default), so the notice has no name.
    let email = unique_email("rae");
    let token = token_of(&reserve(&state, &list, &gift, "Rae", &email, "2").await);
    let page = get(&state, &format!("/reservations/{token}"), "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("You reserved 2") && page.body.contains("noindex"),
        "{}",
        page.body
    );
    assert_eq!(
        page.headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );

    // Change to 1, within what remains; more than that is refused.
    let too_many = post(
        &state,
        guest::ChangeReservation::PATH,
        "",
        &form(&[("token", &token), ("quantity", "4")]),
    )
    .await;
    assert_eq!(too_many.status, StatusCode::CONFLICT, "{}", too_many.body);
    let changed = post(
        &state,
        guest::ChangeReservation::PATH,
        "",
        &form(&[("token", &token), ("quantity", "1")]),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let view: ReservationView = json(
        &post(
            &state,
            guest::Reservation::PATH,
            "",
            &form(&[("token", &token)]),
        )
        .await,
    );
    assert_eq!(view.quantity, 1);
    assert_eq!(view.max_quantity, 3);

    // Confirm the purchase: a thank-you to the guest and a nameless notice to the owner.
    let bought = confirm_purchase(&state, &token).await;
    assert_eq!(bought.status, StatusCode::OK, "{}", bought.body);
    let guest_mail = site::mail_to(&state, &email).await;
    assert_eq!(
        guest_mail.len(),
        2,
        "confirmation and thank-you: {guest_mail:?}"
    );
    let owner_mail = owner_notices(&state, &owner).await;
    assert_eq!(owner_mail.len(), 1);
    assert!(
        !owner_mail[0].body_text.contains("Rae"),
        "counts mode: no name"
    );
    // Bought is final.
    let again = post(
        &state,
        guest::CancelReservation::PATH,
        "",
        &form(&[("token", &token)]),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(matches!(
        error_of(&again),
        AppError::Rule(RuleError::ReservationNotActive { .. })
    ));

    // Another guest now sees 2 left, and cancelling gives back what they held.
    let page: PublicListView = public_view(&state, &list).await;
    assert_eq!(page.gifts[0].remaining, 2);
    let other = token_of(&reserve(&state, &list, &gift, "Sid", &unique_email("sid"), "2").await);
    let cancelled = post(
        &state,
        guest::CancelReservation::PATH,
        "",
        &form(&[("token", &other)]),
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let page: PublicListView = public_view(&state, &list).await;
    assert_eq!(page.gifts[0].remaining, 2);
}

/// The owner's notices in the outbox (the owner's session's user email).
async fn owner_notices(state: &AppState, owner_cookie: &str) -> Vec<site::SentMail> {
    let account = post(state, account::MyAccount::PATH, owner_cookie, "").await;
    let viewer: serde_json::Value = json(&account);
    let email = viewer["email"].as_str().unwrap().to_owned();
    let mut mail = site::mail_to(state, &email).await;
    mail.retain(|m| m.subject != "Welcome to Ewelists");
    mail
}

#[tokio::test]
async fn the_owners_notice_follows_the_surprise_mode() {
    for (mode, expect_notice, expect_name) in [
        (SurpriseMode::Surprise, false, false),
        (SurpriseMode::Names, true, true),
    ] {
        let state = guest_site().await;
        let (owner, list, gift) = list_with_gift(&state, "1").await;
        post(
            &state,
            owner::SetSurprise::PATH,
            &owner,
            &form(&[("list_id", &list), ("mode", mode.as_str())]),
        )
        .await;
        let token =
            token_of(&reserve(&state, &list, &gift, "Nell", &unique_email("nell"), "1").await);
        confirm_purchase(&state, &token).await;
        let notices = owner_notices(&state, &owner).await;
        assert_eq!(!notices.is_empty(), expect_notice, "{mode:?}");
        if expect_name {
            assert!(notices[0].body_text.contains("Nell"), "{mode:?}");
        }
    }
}

#[tokio::test]
async fn a_closed_list_takes_no_reservations() {
    let state = guest_site().await;
    let (owner, list, gift) = list_with_gift(&state, "2").await;
    let token = token_of(&reserve(&state, &list, &gift, "Gus", &unique_email("gus"), "1").await);
    post(
        &state,
        owner::CloseList::PATH,
        &owner,
        &form(&[("list_id", &list)]),
    )
    .await;
    let reply = reserve(&state, &list, &gift, "Dee", &unique_email("dee"), "1").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(error_of(&reply), AppError::Rule(RuleError::ListClosed));
    let change = post(
        &state,
        guest::ChangeReservation::PATH,
        "",
        &form(&[("token", &token), ("quantity", "2")]),
    )
    .await;
    assert_eq!(change.status, StatusCode::CONFLICT);
    let page = get(&state, &format!("/lists/{list}"), "").await;
    assert!(page.body.contains("This list is closed"), "{}", page.body);
    assert!(!page.body.contains("Reserve it"));
}

#[tokio::test]
async fn a_stranger_typing_a_guest_s_email_learns_nothing_and_changes_nothing() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "3").await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let ann_email = format!("ann.lee.{tag}@gmail.com");
    let ann = reserve(&state, &list, &gift, "Ann", &ann_email, "1").await;
    let ann_token = token_of(&ann);
    // Someone else types the same mailbox (written another way) and another name.
    let stranger = reserve(
        &state,
        &list,
        &gift,
        "Someone",
        &format!("annlee{tag}@googlemail.com"),
        "1",
    )
    .await;
    // The same answer as for any new address: a new reservation of their own, and its page.
    assert_eq!(stranger.status, StatusCode::OK, "{}", stranger.body);
    let stranger_token = token_of(&stranger);
    assert_ne!(stranger_token, ann_token);
    let fresh = reserve(&state, &list, &gift, "Bo", &unique_email("bo"), "1").await;
    assert_eq!(
        (
            stranger.status,
            stranger.headers.contains_key(header::LOCATION)
        ),
        (fresh.status, fresh.headers.contains_key(header::LOCATION))
    );
    // Ann's reservation is as she left it: her name, her quantity, her link.
    let view: ReservationView = json(
        &post(
            &state,
            guest::Reservation::PATH,
            "",
            &form(&[("token", &ann_token)]),
        )
        .await,
    );
    assert_eq!((view.guest_name.as_str(), view.quantity), ("Ann", 1));
    // Each address typed got the mail of its own reservation, once.
    assert_eq!(site::mail_to(&state, &ann_email).await.len(), 1);
    assert_eq!(
        site::mail_to(&state, &format!("annlee{tag}@googlemail.com"))
            .await
            .len(),
        1
    );
    // The gift: three reserved, none left.
    let page: PublicListView = public_view(&state, &list).await;
    assert_eq!(page.gifts[0].remaining, 0);
}

#[tokio::test]
async fn the_reservation_mail_carries_only_the_site_s_links() {
    let state = guest_site().await;
    // The owner's gift links to a shop; a mail to a typed-in address must not.
    let (_, list, gift) = list_with_gift(&state, "2").await;
    let email = unique_email("link");
    let reply = reserve(&state, &list, &gift, "Lin", &email, "1").await;
    let token = token_of(&reply);
    let mail = site::mail_to(&state, &email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let html = mail[0].body_html.as_deref().unwrap_or_default();
    for part in [mail[0].body_text.as_str(), html] {
        assert!(!part.contains("shop.example"), "{part}");
        assert!(part.contains(&format!("/reservations/{token}")), "{part}");
    }
    // The shop's link is on the reservation page instead.
    let page = get(&state, &format!("/reservations/{token}"), "").await;
    assert!(
        page.body.contains("https://shop.example/bike"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn attempts_that_go_nowhere_do_not_use_up_a_guest_s_quota() {
    use app::ports::LimitedAction;
    let state = site::with_quotas(
        guest_site().await,
        &[
            (LimitedAction::ReserveFor, 2, 3600),
            (LimitedAction::MailTo, 2, 3600),
        ],
    );
    site::clear_of_window_end(3600, 30).await;
    let (owner, list, gift) = list_with_gift(&state, "5").await;
    let victim = unique_email("vic");
    // A stranger who knows the guest's email, from many addresses: a gift that is not there,
    // more than is left, a list that is not there. None of it is a real attempt.
    let missing_gift = domain::GiftId::generate().to_string();
    let missing_list = domain::ListId::generate().to_string();
    for (list_id, gift_id, quantity, expected) in [
        (
            list.as_str(),
            missing_gift.as_str(),
            "1",
            StatusCode::NOT_FOUND,
        ),
        (list.as_str(), gift.as_str(), "9", StatusCode::CONFLICT),
        (
            missing_list.as_str(),
            gift.as_str(),
            "1",
            StatusCode::NOT_FOUND,
        ),
        (
            list.as_str(),
            missing_gift.as_str(),
            "1",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = reserve(&state, list_id, gift_id, "Eve", &victim, quantity).await;
        assert_eq!(reply.status, expected, "{}", reply.body);
    }
    // The guest's own two reservations go through; a third is over the quota.
    for _ in 0..2 {
        let reply = reserve(&state, &list, &gift, "Vic", &victim, "1").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let third = reserve(&state, &list, &gift, "Vic", &victim, "1").await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    // Refused before anything was written: two reserved, two mails.
    assert_eq!(site::mail_to(&state, &victim).await.len(), 2);
    let _ = owner;
}

#[tokio::test]
async fn one_mailbox_and_one_list_receive_a_bounded_number_of_mails() {
    use app::ports::LimitedAction;
    let state = site::with_quotas(
        guest_site().await,
        &[
            (LimitedAction::MailTo, 3, 3600),
            (LimitedAction::MailFromList, 4, 3600),
        ],
    );
    site::clear_of_window_end(3600, 30).await;
    // One address typed on three lists, each time from a new client address: three mails,
    // then no more this hour.
    let target = unique_email("target");
    for _ in 0..3 {
        let (_, list, gift) = list_with_gift(&state, "2").await;
        let reply = reserve(&state, &list, &gift, "Tam", &target, "1").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let (_, list, gift) = list_with_gift(&state, "9").await;
    let fourth = reserve(&state, &list, &gift, "Tam", &target, "1").await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(site::mail_to(&state, &target).await.len(), 3);
    // One list mails at most four addresses this hour, whoever types them.
    let (_, list, gift) = list_with_gift(&state, "9").await;
    for n in 0..4 {
        let reply = reserve(
            &state,
            &list,
            &gift,
            "Ann",
            &unique_email(&format!("m{n}")),
            "1",
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let over = reserve(&state, &list, &gift, "Ann", &unique_email("m5"), "1").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_of(&over), AppError::TooManyRequests);
}

#[tokio::test]
async fn the_public_list_is_rate_limited_per_address() {
    use app::ports::LimitedAction;
    let state = site::with_quotas(guest_site().await, &[(LimitedAction::PublicList, 3, 3600)]);
    site::clear_of_window_end(3600, 30).await;
    let (_, list, _) = list_with_gift(&state, "1").await;
    let address = fresh_address();
    let path = format!("/lists/{list}");
    for _ in 0..3 {
        assert_eq!(get_as(&state, &address, &path).await.status, StatusCode::OK);
    }
    let over = get_as(&state, &address, &path).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        over.body.contains("That's a lot of attempts"),
        "{}",
        over.body
    );
    // Another address still sees it.
    assert_eq!(
        get(&state, &format!("/lists/{list}"), "").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cross_site_guest_posts_are_refused() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "1").await;
    let reply = post_with(
        &state,
        guest::Reserve::PATH,
        "",
        &form(&[
            ("list_id", &list),
            ("gift_id", &gift),
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("quantity", "1"),
        ]),
        &[(header::ORIGIN, "https://evil.example")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page: PublicListView = public_view(&state, &list).await;
    assert_eq!(page.gifts[0].remaining, 1);
}

#[tokio::test]
async fn reserving_and_the_reservation_page_are_rate_limited() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "99").await;
    let address = fresh_address();
    // Reserving: 10 per 10 minutes per address. The reservation page: 60 a minute.
    site::clear_of_window_end(600, 20).await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let reply = post_as(
            &state,
            &address,
            guest::Reserve::PATH,
            "",
            &form(&[
                ("list_id", &list),
                ("gift_id", &gift),
                ("name", "Gus"),
                ("email", &unique_email(&format!("g{n}"))),
                ("quantity", "1"),
            ]),
        )
        .await;
        statuses.push(reply.status);
    }
    assert_eq!(&statuses[..10], &[StatusCode::OK; 10], "{statuses:?}");
    assert_eq!(
        &statuses[10..],
        &[StatusCode::TOO_MANY_REQUESTS; 2],
        "{statuses:?}"
    );
    // Another address is not affected.
    let other = reserve(&state, &list, &gift, "Ida", &unique_email("ida"), "1").await;
    assert_eq!(other.status, StatusCode::OK);

    // The reservation page: the answer is a 429 page in words.
    let token = token_of(&other);
    site::clear_of_window_end(60, 20).await;
    let mut last = None;
    for _ in 0..61 {
        let page = get_as(&state, &address, &format!("/reservations/{token}")).await;
        last = Some(page);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        last.body.contains("That's a lot of attempts"),
        "{}",
        last.body
    );
}

/// The form key a page gives (`domain::once`), as the cookie header a browser sends it back.
async fn form_key_of(state: &AppState, address: &str, path: &str) -> String {
    let page = get_as(state, address, path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    let key = page
        .cookie("ewelists-form")
        .expect("the page gives a form key");
    format!("ewelists-form={key}")
}

#[tokio::test]
async fn a_reserve_form_posted_twice_from_one_page_reserves_once() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "3").await;
    let address = fresh_address();
    let page = format!("/lists/{list}?reserve={gift}");
    let key = form_key_of(&state, &address, &page).await;
    let email = unique_email("twice");
    let body = form(&[
        ("list_id", &list),
        ("gift_id", &gift),
        ("name", "Tess"),
        ("email", &email),
        ("quantity", "1"),
    ]);
    let path = guest::Reserve::PATH;
    // A double press (both at once), then a retry after a lost answer.
    let (first, second) = tokio::join!(
        post_as(&state, &address, path, &key, &body),
        post_as(&state, &address, path, &key, &body)
    );
    let retry = post_as(&state, &address, path, &key, &body).await;
    let links: Vec<String> = [&first, &second, &retry]
        .iter()
        .map(|reply| json::<ReserveAnswer>(reply).manage_path)
        .collect();
    assert!(links.iter().all(|link| *link == links[0]), "{links:?}");
    assert_eq!(public_view(&state, &list).await.gifts[0].remaining, 2);
    assert_eq!(site::mail_to(&state, &email).await.len(), 1);

    // Someone else posting the same words holds another key: never the first one's link.
    let other = fresh_address();
    let other_key = form_key_of(&state, &other, &page).await;
    assert_ne!(other_key, key);
    let theirs = post_as(&state, &other, path, &other_key, &body).await;
    assert_ne!(json::<ReserveAnswer>(&theirs).manage_path, links[0]);
    // Nor the same browser after showing the page again: a new page, a new request.
    let again = form_key_of(&state, &address, &page).await;
    let later = post_as(&state, &address, path, &again, &body).await;
    assert_ne!(json::<ReserveAnswer>(&later).manage_path, links[0]);
    assert_eq!(public_view(&state, &list).await.gifts[0].remaining, 0);
}

#[tokio::test]
async fn the_second_press_answers_with_the_first_s_reservation_when_it_took_the_last_one() {
    let state = guest_site().await;
    let (_, list, gift) = list_with_gift(&state, "1").await;
    let address = fresh_address();
    let key = form_key_of(&state, &address, &format!("/lists/{list}?reserve={gift}")).await;
    let body = form(&[
        ("list_id", &list),
        ("gift_id", &gift),
        ("name", "Una"),
        ("email", &unique_email("una")),
        ("quantity", "1"),
    ]);
    let first = post_as(&state, &address, guest::Reserve::PATH, &key, &body).await;
    // Nothing is left, yet the same request is answered as done, not refused.
    let second = post_as(&state, &address, guest::Reserve::PATH, &key, &body).await;
    assert_eq!(
        json::<ReserveAnswer>(&second).manage_path,
        json::<ReserveAnswer>(&first).manage_path
    );
    // Without the key it is a new request, and nothing is left for it.
    let keyless = post_as(&state, &address, guest::Reserve::PATH, "", &body).await;
    assert_eq!(
        error_of(&keyless),
        AppError::Rule(RuleError::NoneLeft),
        "{}",
        keyless.body
    );
}

#[tokio::test]
async fn a_guest_page_is_plain_html_with_one_form_and_no_webassembly() {
    let state = guest_site().await;
    let (owner, list, gift) = list_with_gift(&state, "2").await;
    let second: String = json(
        &post(
            &state,
            owner::AddGift::PATH,
            &owner,
            &form(&[("list_id", &list), ("title", "Kite"), ("wanted", "1")]),
        )
        .await,
    );
    let address = fresh_address();
    let plain = get_as(&state, &address, &format!("/lists/{list}")).await;
    assert_eq!(plain.status, StatusCode::OK);
    for wasm in [".js\"", ".wasm", "type=\"module\"", "modulepreload"] {
        assert!(!plain.body.contains(wasm), "{wasm} in a guest page");
    }
    // Each gift links to its own form; no form is on the page until one is chosen.
    assert_eq!(plain.body.matches("<form").count(), 0);
    for id in [&gift, &second] {
        assert!(
            plain.body.contains(&format!("?reserve={id}#gift-{id}")),
            "{id}"
        );
    }
    let chosen = get_as(&state, &address, &format!("/lists/{list}?reserve={second}")).await;
    assert_eq!(chosen.body.matches("<form").count(), 1);
    assert!(chosen
        .body
        .contains(&format!("name=\"gift_id\" value=\"{second}\"")));
    // A page with islands loads the WebAssembly.
    let home = get_as(&state, &address, "/").await;
    assert!(home.body.contains(".wasm"));
}

#[tokio::test]
async fn a_stranger_gets_a_kept_page_that_never_outlives_a_change_to_its_list() {
    let state = guest_site().await;
    let (owner, list, gift) = list_with_gift(&state, "3").await;
    let page = format!("/lists/{list}");
    let address = fresh_address();
    let first = get_as(&state, &address, &page).await;
    let tag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(first.body.contains("3 of 3 still wanted"), "{}", first.body);
    assert_eq!(first.headers[header::CACHE_CONTROL], "private, no-cache");
    // The policy names the page's two inline elements by hash: no nonce, the same bytes for all.
    let policy = first.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        policy.contains("script-src 'sha256-") && !policy.contains("nonce"),
        "{policy}"
    );
    let kept = get_as(&state, &fresh_address(), &page).await;
    assert_eq!(kept.headers[header::ETAG].to_str().unwrap(), tag);
    assert_eq!(kept.body, first.body);

    // Revalidation: the same page is a 304 without a body.
    let request = axum::http::Request::get(&page)
        .header("x-forwarded-for", fresh_address())
        .header(header::IF_NONE_MATCH, &tag)
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(axum::body::Body::empty())
        .unwrap();
    let revalidated = site::send(&state, request).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());
    // Compressed as the browser asks.
    let request = axum::http::Request::get(&page)
        .header("x-forwarded-for", fresh_address())
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .body(axum::body::Body::empty())
        .unwrap();
    let compressed = site::send(&state, request).await;
    assert_eq!(compressed.headers[header::CONTENT_ENCODING], "br");

    // A reservation changes the page at once.
    let reserved = reserve(&state, &list, &gift, "Vic", &unique_email("vic"), "1").await;
    assert!(reserved.status.is_redirection() || reserved.status.is_success());
    let after = get_as(&state, &fresh_address(), &page).await;
    assert!(after.body.contains("2 of 3 still wanted"), "{}", after.body);
    assert_ne!(after.headers[header::ETAG].to_str().unwrap(), tag);

    // Whoever brings something of their own gets the page made for them.
    let owners = site::get(&state, &page, &owner).await;
    assert!(!owners.headers.contains_key(header::ETAG));
    let with_reservation = site::get(
        &state,
        &page,
        &format!(
            "ewelists-reservations={}",
            reserved.cookie("ewelists-reservations").unwrap()
        ),
    )
    .await;
    assert!(!with_reservation.headers.contains_key(header::ETAG));
    assert!(with_reservation.body.contains("You reserved 1"));
}
