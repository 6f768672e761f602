//! Black-box tests of the owner's server functions through the router: the happy path, bad
//! input, someone else's list, a closed list, and plain (script-less) form posts.
//!
//! Needs the local stack (`./dev test`, or `scripts/stack.py --profile test -- cargo test`).

use crate::common::site::{self, error_of, form, get, json, post_from_site, post_with, Reply};
use app::error::AppError;
use app::owner;
use app::owner::{Found, LinkLookup, OwnerListView};
use app::ports::no_mail;
use axum::http::{header, StatusCode};
use domain::{
    CatalogueProduct, CatalogueProductId, Email, HttpUrl, PersonName, ProductSnapshot,
    ProductTitle, Quantity, ReserveRequest, RuleError,
};
use leptos::server_fn::ServerFn;
use server::AppState;
use time::{Duration, OffsetDateTime};

async fn site() -> AppState {
    site::migrated(site::config(
        "test",
        "http://localhost:3000",
        &site::unique_table("owner"),
        false,
    ))
    .await
}

async fn owner(state: &AppState, name: &str) -> String {
    site::session_for(state, name, Duration::days(30)).await.0
}

async fn create(state: &AppState, cookie: &str, title: &str) -> String {
    let reply = post_from_site(
        state,
        owner::CreateList::PATH,
        cookie,
        &form(&[
            ("title", title),
            ("occasion", "birthday"),
            ("event_date", "2026-06-21"),
            ("message", "Thank you!"),
        ]),
    )
    .await;
    let id: String = json(&reply);
    id
}

async fn view(state: &AppState, cookie: &str, list_id: &str) -> Reply {
    post_from_site(
        state,
        owner::OwnerList::PATH,
        cookie,
        &form(&[("list_id", list_id)]),
    )
    .await
}

async fn add(
    state: &AppState,
    cookie: &str,
    list_id: &str,
    title: &str,
    url: &str,
    wanted: &str,
) -> Reply {
    post_from_site(
        state,
        owner::AddGift::PATH,
        cookie,
        &form(&[
            ("list_id", list_id),
            ("title", title),
            ("shop", "Little Shop"),
            ("url", url),
            ("image_url", ""),
            ("price", "89.99"),
            ("currency", "GBP"),
            ("wanted", wanted),
            ("notes", "Grey please"),
            ("catalogue_id", ""),
        ]),
    )
    .await
}

#[tokio::test]
async fn an_owner_creates_a_list_and_sees_it() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let reply = post_from_site(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[
            ("title", "Mia's shower"),
            ("occasion", "baby-shower"),
            ("event_date", ""),
            ("message", ""),
        ]),
    )
    .await;
    // The answer goes to the new list.
    let id: String = json(&reply);
    assert_eq!(reply.headers[header::LOCATION], format!("/lists/{id}/edit"));

    let lists: Vec<serde_json::Value> =
        json(&post_from_site(&state, owner::MyLists::PATH, &ann, "").await);
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0]["title"], "Mia's shower");
    assert_eq!(lists[0]["open"], true);

    let shown: OwnerListView = json(&view(&state, &ann, &id).await);
    assert_eq!(shown.share_url, format!("http://localhost:3000/lists/{id}"));
    assert!(shown.gifts.is_empty());
    // The editor page renders on the server.
    let page = get(&state, &format!("/lists/{id}/edit"), &ann).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Mia&#x27;s shower") || page.body.contains("Mia's shower"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn bad_list_details_are_refused_field_by_field() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let long = "x".repeat(101);
    for (pairs, field) in [
        (vec![("title", "  "), ("occasion", "birthday")], "title"),
        (
            vec![("title", long.as_str()), ("occasion", "birthday")],
            "title",
        ),
        (vec![("title", "Ok"), ("occasion", "wedding")], "occasion"),
        (
            vec![
                ("title", "Ok"),
                ("occasion", "birthday"),
                ("event_date", "2026-02-30"),
            ],
            "event_date",
        ),
        (
            vec![("title", "Ok\u{7}"), ("occasion", "birthday")],
            "title",
        ),
    ] {
        let reply = post_from_site(&state, owner::CreateList::PATH, &ann, &form(&pairs)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{pairs:?}");
        assert!(
            matches!(error_of(&reply), AppError::Invalid { field: f, .. } if f == field),
            "{pairs:?}: {}",
            reply.body
        );
    }
    // Nothing was created.
    let lists: Vec<serde_json::Value> =
        json(&post_from_site(&state, owner::MyLists::PATH, &ann, "").await);
    assert!(lists.is_empty());
    // A missing field is a bad request, not a crash.
    let reply = post_from_site(&state, owner::CreateList::PATH, &ann, "occasion=birthday").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(error_of(&reply), AppError::BadRequest);
}

#[tokio::test]
async fn signed_out_and_cross_site_calls_change_nothing() {
    let state = site().await;
    let reply = post_from_site(
        &state,
        owner::CreateList::PATH,
        "",
        &form(&[("title", "T"), ("occasion", "birthday")]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let ann = owner(&state, "Ann").await;
    let reply = post_with(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[("title", "T"), ("occasion", "birthday")]),
        &[(header::ORIGIN, "https://evil.example")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let lists: Vec<serde_json::Value> =
        json(&post_from_site(&state, owner::MyLists::PATH, &ann, "").await);
    assert!(lists.is_empty());
}

#[tokio::test]
async fn another_owners_list_is_not_found_for_every_action() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let bob = owner(&state, "Bob").await;
    let list = create(&state, &ann, "Ann's list").await;
    let gift: String =
        json(&add(&state, &ann, &list, "Cot", "https://shop.example/cot", "1").await);

    let not_found = AppError::NotFound;
    let attempts = [
        (owner::OwnerList::PATH, form(&[("list_id", &list)])),
        (
            owner::UpdateList::PATH,
            form(&[
                ("list_id", &list),
                ("title", "Mine"),
                ("occasion", "birthday"),
            ]),
        ),
        (
            owner::SetSurprise::PATH,
            form(&[("list_id", &list), ("mode", "names")]),
        ),
        (owner::CloseList::PATH, form(&[("list_id", &list)])),
        (
            owner::DeleteList::PATH,
            form(&[("list_id", &list), ("confirm", "delete")]),
        ),
        (
            owner::LookUpLink::PATH,
            form(&[("list_id", &list), ("text", "https://shop.example/x")]),
        ),
        (
            owner::UpdateGift::PATH,
            form(&[("list_id", &list), ("gift_id", &gift), ("wanted", "5")]),
        ),
        (
            owner::RemoveGift::PATH,
            form(&[("list_id", &list), ("gift_id", &gift)]),
        ),
    ];
    for (path, body) in &attempts {
        let reply = post_from_site(&state, path, &bob, body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
        assert_eq!(error_of(&reply), not_found, "{path}");
    }
    let reply = add(
        &state,
        &bob,
        &list,
        "Bike",
        "https://shop.example/bike",
        "1",
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    // Ann's list is untouched.
    let shown: OwnerListView = json(&view(&state, &ann, &list).await);
    assert_eq!(shown.list.details.title.as_str(), "Ann's list");
    assert!(shown.list.is_open());
    assert_eq!(shown.gifts.len(), 1);
    assert_eq!(shown.gifts[0].counts.wanted, 1);
    // A made-up id is the same "not found".
    let reply = view(&state, &ann, "not-an-id").await;
    assert_eq!(error_of(&reply), not_found);
}

#[tokio::test]
async fn gifts_are_added_edited_and_removed_by_the_rules() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let list = create(&state, &ann, "Leo turns 3").await;
    let gift: String = json(
        &add(
            &state,
            &ann,
            &list,
            "Balance bike",
            "https://shop.example/bike?ref=x",
            "3",
        )
        .await,
    );

    // Bad input, field by field.
    for (title, url, wanted, field) in [
        ("", "https://shop.example/a", "1", "title"),
        ("Ok", "ftp://shop.example/a", "1", "url"),
        ("Ok", "https://shop.example/a", "0", "wanted"),
        ("Ok", "https://shop.example/a", "100", "wanted"),
        ("Ok", "https://shop.example/a", "-1", "wanted"),
    ] {
        let reply = add(&state, &ann, &list, title, url, wanted).await;
        assert!(
            matches!(error_of(&reply), AppError::Invalid { field: f, .. } if f == field),
            "{field}: {}",
            reply.body
        );
    }
    // The same link twice is refused in words.
    let reply = add(
        &state,
        &ann,
        &list,
        "Bike again",
        "https://shop.example/bike",
        "1",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        matches!(error_of(&reply), AppError::Rule(RuleError::DuplicateGift)),
        "{}",
        reply.body
    );

    // A guest reserves 2 of the 3.
    let list_id = domain::ListId::parse(&list).unwrap();
    let gift_id = domain::GiftId::parse(&gift).unwrap();
    state
        .store
        .reserve(
            &list_id,
            &gift_id,
            ReserveRequest {
                guest_name: PersonName::parse("Gus").unwrap(),
                email: Email::parse("gus@example.com").unwrap(),
                quantity: Quantity::new(2).unwrap(),
                user_id: None,
            },
            OffsetDateTime::now_utc(),
            &no_mail,
        )
        .await
        .unwrap();
    // Not below what is reserved; notes change.
    let below = post_from_site(
        &state,
        owner::UpdateGift::PATH,
        &ann,
        &form(&[
            ("list_id", &list),
            ("gift_id", &gift),
            ("wanted", "1"),
            ("notes", ""),
        ]),
    )
    .await;
    assert_eq!(below.status, StatusCode::CONFLICT, "{}", below.body);
    let ok = post_from_site(
        &state,
        owner::UpdateGift::PATH,
        &ann,
        &form(&[
            ("list_id", &list),
            ("gift_id", &gift),
            ("wanted", "4"),
            ("notes", "Red"),
        ]),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // Removal is refused while reserved, with the reason.
    let remove = post_from_site(
        &state,
        owner::RemoveGift::PATH,
        &ann,
        &form(&[("list_id", &list), ("gift_id", &gift)]),
    )
    .await;
    assert_eq!(remove.status, StatusCode::CONFLICT);
    assert!(
        error_of(&remove)
            .to_string()
            .to_lowercase()
            .contains("reserved"),
        "{}",
        remove.body
    );

    // In the default mode the owner sees counts, not names.
    let shown: OwnerListView = json(&view(&state, &ann, &list).await);
    assert_eq!(shown.gifts[0].counts.wanted, 4);
    assert_eq!(shown.gifts[0].counts.reserved, Some(2));
    assert_eq!(
        shown.gifts[0].notes.as_ref().map(|n| n.as_str()),
        Some("Red")
    );
    assert!(shown.reservations.is_empty());
    // Surprise: no counts leave the server at all.
    let set = post_from_site(
        &state,
        owner::SetSurprise::PATH,
        &ann,
        &form(&[("list_id", &list), ("mode", "surprise")]),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let hidden = view(&state, &ann, &list).await;
    let shown: OwnerListView = json(&hidden);
    assert_eq!(shown.gifts[0].counts.reserved, None);
    assert!(!hidden.body.contains("Gus"));
    // Nor in a refusal: reducing or removing a held gift is refused without saying how many.
    for (path, fields) in [
        (
            owner::UpdateGift::PATH,
            vec![
                ("list_id", list.as_str()),
                ("gift_id", gift.as_str()),
                ("wanted", "1"),
                ("notes", ""),
            ],
        ),
        (
            owner::RemoveGift::PATH,
            vec![("list_id", list.as_str()), ("gift_id", gift.as_str())],
        ),
    ] {
        let refused = post_from_site(&state, path, &ann, &form(&fields)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        let words = error_of(&refused).to_string();
        assert!(
            matches!(error_of(&refused), AppError::Rule(RuleError::HeldByGuests)),
            "{words}"
        );
        assert!(!words.chars().any(|c| c.is_ascii_digit()), "{words}");
        assert!(
            !refused.body.chars().any(|c| c.is_ascii_digit()),
            "{}",
            refused.body
        );
    }
    // Names: the guest's name, never the email.
    post_from_site(
        &state,
        owner::SetSurprise::PATH,
        &ann,
        &form(&[("list_id", &list), ("mode", "names")]),
    )
    .await;
    let named = view(&state, &ann, &list).await;
    let shown: OwnerListView = json(&named);
    assert_eq!(shown.reservations.len(), 1);
    assert_eq!(shown.reservations[0].guest_name.as_str(), "Gus");
    assert!(!named.body.contains("gus@example.com"));
    let bad = post_from_site(
        &state,
        owner::SetSurprise::PATH,
        &ann,
        &form(&[("list_id", &list), ("mode", "everything")]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A gift nobody reserved goes.
    let spare: String = json(&add(&state, &ann, &list, "Book", "", "1").await);
    let gone = post_from_site(
        &state,
        owner::RemoveGift::PATH,
        &ann,
        &form(&[("list_id", &list), ("gift_id", &spare)]),
    )
    .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    let shown: OwnerListView = json(&view(&state, &ann, &list).await);
    assert_eq!(shown.gifts.len(), 1);
}

#[tokio::test]
async fn a_closed_list_takes_no_new_gifts_and_deleting_needs_the_word() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let list = create(&state, &ann, "Christmas").await;
    let closed = post_from_site(
        &state,
        owner::CloseList::PATH,
        &ann,
        &form(&[("list_id", &list)]),
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let reply = add(
        &state,
        &ann,
        &list,
        "Sledge",
        "https://shop.example/sledge",
        "1",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        matches!(error_of(&reply), AppError::Rule(RuleError::ListClosed)),
        "{}",
        reply.body
    );
    let lists: Vec<serde_json::Value> =
        json(&post_from_site(&state, owner::MyLists::PATH, &ann, "").await);
    assert_eq!(lists[0]["open"], false);

    let refused = post_from_site(
        &state,
        owner::DeleteList::PATH,
        &ann,
        &form(&[("list_id", &list), ("confirm", "yes")]),
    )
    .await;
    assert!(matches!(error_of(&refused), AppError::Invalid { field, .. } if field == "confirm"));
    let deleted = post_from_site(
        &state,
        owner::DeleteList::PATH,
        &ann,
        &form(&[("list_id", &list), ("confirm", "Delete")]),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.headers[header::LOCATION], "/lists");
    assert_eq!(
        view(&state, &ann, &list).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_pasted_link_is_found_in_the_catalogue_first() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let list = create(&state, &ann, "Shower").await;
    let product = CatalogueProduct {
        id: CatalogueProductId::generate(),
        product: ProductSnapshot {
            title: ProductTitle::parse("Baby monitor").unwrap(),
            brand: None,
            url: Some(HttpUrl::parse("https://www.amazon.co.uk/Monitor/dp/B0MONITOR1").unwrap()),
            image_url: None,
            price: None,
        },
        retailer: None,
    };
    state.store.put_catalogue_product(&product).await.unwrap();
    let reply = post_from_site(
        &state,
        owner::LookUpLink::PATH,
        &ann,
        &form(&[
            ("list_id", &list),
            (
                "text",
                "Look! https://www.amazon.co.uk/gp/dp/B0MONITOR1/ref=sr_1?tag=x",
            ),
        ]),
    )
    .await;
    let found = json::<LinkLookup>(&reply);
    assert_eq!(found.found, Some(Found::Catalogue), "{found:?}");
    assert_eq!(found.title, "Baby monitor");
    assert_eq!(found.url, "https://www.amazon.co.uk/Monitor/dp/B0MONITOR1");
    // No link at all.
    let none = post_from_site(
        &state,
        owner::LookUpLink::PATH,
        &ann,
        &form(&[("list_id", &list), ("text", "a cot")]),
    )
    .await;
    assert!(matches!(error_of(&none), AppError::Invalid { field, .. } if field == "link"));
    // A private address is not fetched: the owner is told to type the details.
    let private = post_from_site(
        &state,
        owner::LookUpLink::PATH,
        &ann,
        &form(&[
            ("list_id", &list),
            ("text", "http://169.254.169.254/latest/meta-data"),
        ]),
    )
    .await;
    let nothing = json::<LinkLookup>(&private);
    assert_eq!(nothing.found, Some(Found::Nothing), "{}", private.body);
    assert_eq!(nothing.title, "");
    assert!(nothing.note.is_some_and(|why| !why.is_empty()));
}

#[tokio::test]
async fn plain_form_posts_come_back_to_their_page_with_the_error() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let headers = [
        (header::ORIGIN, "http://localhost:3000"),
        (header::ACCEPT, "text/html,application/xhtml+xml"),
        (header::REFERER, "http://localhost:3000/lists/new"),
    ];
    let bad = post_with(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[("title", ""), ("occasion", "birthday")]),
        &headers,
    )
    .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let back = bad.location().to_owned();
    assert!(
        back.starts_with("/lists/new?__path=%2Fapi%2Fcreate_list&__err="),
        "{back}"
    );
    // The page shows the error in its own words (the link carries the field, no text).
    assert!(!back.contains("empty"), "{back}");
    let page = get(&state, &back, &ann).await;
    let hint = app::error::field_hint("title").unwrap();
    assert!(page.body.contains(hint), "{}", page.body);

    // A link made by hand cannot put its words on the page.
    let forged = AppError::invalid("title", "Your account is locked. Call +1 555 0100.");
    let url = leptos::server_fn::error::ServerFnUrlError::new(owner::CreateList::PATH, forged)
        .to_url("http://localhost:3000/lists/new")
        .unwrap();
    let page = get(
        &state,
        &format!("{}?{}", url.path(), url.query().unwrap()),
        &ann,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("+1 555 0100"), "{}", page.body);
    assert!(page.body.contains(hint), "{}", page.body);

    // A page whose path starts with two slashes never sends the browser off the site.
    for referer in [
        "http://localhost:3000//evil.example/lists/new",
        "http://localhost:3000/\\evil.example/lists/new",
    ] {
        let off = post_with(
            &state,
            owner::CreateList::PATH,
            &ann,
            &form(&[("title", ""), ("occasion", "birthday")]),
            &[
                (header::ORIGIN, "http://localhost:3000"),
                (header::ACCEPT, "text/html"),
                (header::REFERER, referer),
            ],
        )
        .await;
        // Sent back to a page of this site, or answered in place: never to another host.
        if let Some(location) = off.headers.get(header::LOCATION) {
            let location = location.to_str().unwrap();
            assert!(
                location.starts_with('/') && !location.starts_with("//"),
                "{referer} -> {location}"
            );
        } else {
            assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY, "{referer}");
        }
    }

    let good = post_with(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[("title", "Party"), ("occasion", "birthday")]),
        &headers,
    )
    .await;
    assert!(good.status.is_redirection(), "{}", good.status);
    assert!(
        good.location().starts_with("/lists/") && good.location().ends_with("/edit"),
        "{}",
        good.location()
    );
}

#[tokio::test]
async fn an_account_s_lookups_new_lists_and_new_gifts_are_rate_limited() {
    use app::ports::LimitedAction;
    let state = site::with_quotas(
        site().await,
        &[
            (LimitedAction::Lookup, 2, 3600),
            (LimitedAction::CreateList, 2, 3600),
            (LimitedAction::AddGift, 2, 3600),
        ],
    );
    site::clear_of_window_end(3600, 30).await;
    let ann = owner(&state, "Ann").await;
    let list = create(&state, &ann, "One").await;
    create(&state, &ann, "Two").await;
    let third = post_from_site(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[("title", "Three"), ("occasion", "birthday")]),
    )
    .await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_of(&third), AppError::TooManyRequests);

    for n in 0..2 {
        let added = add(
            &state,
            &ann,
            &list,
            "Cot",
            &format!("https://shop.example/{n}"),
            "1",
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let over = add(&state, &ann, &list, "Cot", "https://shop.example/3", "1").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);

    // Looking up a shop's page (a private address: refused by the fetcher, but still a try).
    async fn look(state: &AppState, cookie: &str, list: &str) -> Reply {
        let body = form(&[("list_id", list), ("text", "http://169.254.169.254/x")]);
        post_from_site(state, owner::LookUpLink::PATH, cookie, &body).await
    }
    for _ in 0..2 {
        assert_eq!(look(&state, &ann, &list).await.status, StatusCode::OK);
    }
    assert_eq!(
        look(&state, &ann, &list).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account is not affected.
    let bo = owner(&state, "Bo").await;
    create(&state, &bo, "Bo's").await;
}

#[tokio::test]
async fn a_list_and_a_gift_posted_twice_from_one_page_are_made_once() {
    let state = site().await;
    let ann = owner(&state, "Ann").await;
    let page = get(&state, "/lists/new", &ann).await;
    let key = page
        .cookie("ewelists-form")
        .expect("the new-list page gives a form key");
    let cookies = format!("{ann}; ewelists-form={key}");
    let body = form(&[("title", "Twice"), ("occasion", "birthday")]);
    let first: String =
        json(&post_from_site(&state, owner::CreateList::PATH, &cookies, &body).await);
    let second: String =
        json(&post_from_site(&state, owner::CreateList::PATH, &cookies, &body).await);
    assert_eq!(first, second);
    let lists: Vec<serde_json::Value> =
        json(&post_from_site(&state, owner::MyLists::PATH, &ann, "").await);
    assert_eq!(lists.len(), 1);

    let editor = get(&state, &format!("/lists/{first}/edit"), &ann).await;
    let key = editor
        .cookie("ewelists-form")
        .expect("the editor gives a form key");
    let cookies = format!("{ann}; ewelists-form={key}");
    let gift = form(&[("list_id", &first), ("title", "Blanket"), ("wanted", "1")]);
    let a: String = json(&post_from_site(&state, owner::AddGift::PATH, &cookies, &gift).await);
    let b: String = json(&post_from_site(&state, owner::AddGift::PATH, &cookies, &gift).await);
    assert_eq!(a, b);
    let view: OwnerListView = json(
        &post_from_site(
            &state,
            owner::OwnerList::PATH,
            &ann,
            &form(&[("list_id", &first)]),
        )
        .await,
    );
    assert_eq!(view.gifts.len(), 1);
    // The same details from a fresh page are a new gift.
    let fresh = get(&state, &format!("/lists/{first}/edit"), &ann).await;
    let cookies = format!(
        "{ann}; ewelists-form={}",
        fresh.cookie("ewelists-form").unwrap()
    );
    let c: String = json(&post_from_site(&state, owner::AddGift::PATH, &cookies, &gift).await);
    assert_ne!(a, c);
}
