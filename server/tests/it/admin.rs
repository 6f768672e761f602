//! The team's tools through the router, on DynamoDB Local: only admins reach them (everyone
//! else gets the 404 of an address that does not exist); products owners typed wait in the
//! not-found queue until an admin promotes or dismisses them; the catalogue editor edits,
//! retires and loads files with the command line's checks; every change is audited; and the
//! day-by-day counts are kept by the writes they count.

use crate::common::site::{self, error_of, form, get, json, post_from_site, send, Reply};
use crate::common::{self as fixtures, now};
use app::admin;
use app::error::AppError;
use app::owner;
use app::ports::{Store, Tools};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{AuditAction, Kpi, QueueState};
use leptos::server_fn::ServerFn;
use server::AppState;
use time::Duration;

const SITE: &str = "http://localhost:3000";

async fn site() -> AppState {
    site::migrated(site::config(
        "test",
        SITE,
        &site::unique_table("admin"),
        false,
    ))
    .await
}

async fn create_list(state: &AppState, cookie: &str) -> String {
    json(
        &post_from_site(
            state,
            owner::CreateList::PATH,
            cookie,
            &form(&[
                ("title", "Baby shower"),
                ("occasion", "baby-shower"),
                ("event_date", ""),
                ("message", ""),
            ]),
        )
        .await,
    )
}

async fn add_by_hand(state: &AppState, cookie: &str, list: &str, title: &str, url: &str) -> Reply {
    post_from_site(
        state,
        owner::AddGift::PATH,
        cookie,
        &form(&[
            ("list_id", list),
            ("title", title),
            ("shop", "Little Shop"),
            ("url", url),
            ("image_url", ""),
            ("price", "30"),
            ("currency", "GBP"),
            ("wanted", "1"),
            ("notes", ""),
            ("catalogue_id", ""),
        ]),
    )
    .await
}

/// A multipart form with one file, as the catalogue page's upload sends it.
async fn upload(state: &AppState, cookie: &str, name: &str, text: &str) -> Reply {
    let boundary = "ewelists-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let origin = state.config.site_url.origin().ascii_serialization();
    let mut request = Request::post(app::routes::ADMIN_IMPORT.path())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::ORIGIN, origin);
    if !cookie.is_empty() {
        request = request.header(header::COOKIE, cookie);
    }
    send(state, request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn nobody_but_an_admin_finds_the_tools() {
    let state = site().await;
    let (owner, _) = site::session_for(&state, "Olive Owner", Duration::hours(1)).await;
    let (admin, _) = site::admin_session(&state, "Ada Admin").await;

    let pages: Vec<String> = app::routes::ALL
        .iter()
        .filter(|route| route.for_admins)
        .map(|route| route.fill(&["new"]))
        .collect();
    assert!(pages.len() >= 5, "{pages:?}");
    let not_found = get(&state, "/no-such-page", "").await;
    for page in &pages {
        for (who, cookie) in [("signed out", ""), ("an owner", owner.as_str())] {
            let reply = get(&state, page, cookie).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{page} for {who}");
            assert!(
                reply.body.contains("We can&#x27;t find that page")
                    || reply.body.contains("We can't find that page"),
                "{page}"
            );
            assert!(
                !reply.body.contains("data-testid=\"admin\""),
                "{page} for {who}"
            );
            // The same page as any unknown address, but for the address itself.
            assert_eq!(
                reply.body.matches("<h1").count(),
                not_found.body.matches("<h1").count()
            );
        }
        let reply = get(&state, page, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{page} for an admin");
        assert!(reply.body.contains("data-testid=\"admin\""), "{page}");
    }

    // Every server function of the tools, and the upload, answer an owner as if absent.
    let functions = [
        (admin::AdminOverview::PATH, form(&[])),
        (admin::AdminQueue::PATH, form(&[])),
        (admin::AuditLog::PATH, form(&[])),
        (admin::LastImport::PATH, form(&[])),
        (admin::SearchCatalogue::PATH, form(&[("q", "")])),
        (admin::CatalogueProduct::PATH, form(&[("id", "x")])),
        (
            admin::DismissProduct::PATH,
            form(&[("queued", "https://shop.example/a")]),
        ),
        (
            admin::RetireCatalogueProduct::PATH,
            form(&[("id", "x"), ("retire", "true")]),
        ),
        (
            admin::PromoteProduct::PATH,
            form(&[
                ("queued", "https://shop.example/a"),
                ("title", "A"),
                ("url", "https://shop.example/a"),
            ]),
        ),
        (
            admin::SaveCatalogueProduct::PATH,
            form(&[("id", "new"), ("title", "A")]),
        ),
    ];
    for (path, body) in &functions {
        for cookie in ["", owner.as_str()] {
            let reply = post_from_site(&state, path, cookie, body).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(error_of(&reply), AppError::NoSuchPage, "{path}");
        }
    }
    let reply = upload(&state, &owner, "c.csv", "title\nA\n").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(state
        .tools
        .search_catalogue("", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(state.tools.audit_log(now(), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_admin_promotes_what_owners_typed_and_later_owners_get_it() {
    let state = site().await;
    let (ann, _) = site::session_for(&state, "Ann", Duration::hours(1)).await;
    let (bob, _) = site::session_for(&state, "Bob", Duration::hours(1)).await;
    let (admin, admin_user) = site::admin_session(&state, "Ada Admin").await;
    let link = "https://shop.example/cot?ref=ann";
    let normalised = "https://shop.example/cot";

    for (cookie, title) in [(&ann, "Cot (white)"), (&bob, "Wooden cot")] {
        let list = create_list(&state, cookie).await;
        let reply = add_by_hand(&state, cookie, &list, title, link).await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }
    let queue: Vec<domain::QueuedProduct> =
        json(&post_from_site(&state, admin::AdminQueue::PATH, &admin, "").await);
    assert_eq!(queue.len(), 1, "one entry per link: {queue:?}");
    assert_eq!(queue[0].url, normalised);
    assert_eq!(queue[0].lists, 2);
    assert_eq!(
        queue[0].product.title.as_str(),
        "Wooden cot",
        "the latest owner's details"
    );
    let page = get(&state, app::routes::ADMIN_QUEUE.path(), &admin).await;
    assert!(page.body.contains(normalised) && page.body.contains("On 2 lists"));

    // A bad correction is refused in words and changes nothing.
    let bad = post_from_site(
        &state,
        admin::PromoteProduct::PATH,
        &admin,
        &form(&[
            ("queued", normalised),
            ("title", "Cot"),
            ("url", "https://shop.example/cot"),
            ("price", "-3"),
        ]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(error_of(&bad), AppError::Invalid { field, .. } if field == "price"));
    assert_eq!(
        state
            .tools
            .queue(QueueState::Waiting, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    let promoted = post_from_site(
        &state,
        admin::PromoteProduct::PATH,
        &admin,
        &form(&[
            ("queued", normalised),
            ("title", "Snuggle cot"),
            ("shop", "Snuggle"),
            ("url", "https://shop.example/cot"),
            ("image_url", "https://shop.example/cot.jpg"),
            ("price", "149.00"),
            ("currency", "GBP"),
            ("retailer", ""),
        ]),
    )
    .await;
    assert!(promoted.status.is_success(), "{}", promoted.body);
    let curated = state
        .store
        .catalogue_product_by_url(normalised)
        .await
        .unwrap()
        .expect("in the catalogue");
    assert_eq!(curated.product.title.as_str(), "Snuggle cot");
    assert_eq!(curated.product.price.unwrap().amount_string(), "149.00");
    assert!(state
        .tools
        .queue(QueueState::Waiting, 10)
        .await
        .unwrap()
        .is_empty());

    // A later owner pasting the link (any form of it) gets the curated product.
    let (cy, _) = site::session_for(&state, "Cy", Duration::hours(1)).await;
    let list = create_list(&state, &cy).await;
    let lookup = post_from_site(
        &state,
        owner::LookUpLink::PATH,
        &cy,
        &form(&[
            ("list_id", &list),
            ("text", "http://SHOP.example/cot/?utm=x"),
        ]),
    )
    .await;
    assert!(lookup.status.is_success(), "{}", lookup.body);
    assert!(lookup.body.contains("Snuggle cot"), "{}", lookup.body);
    assert!(lookup.body.contains(&curated.id.to_string()));

    // Owners typing it again do not bring it back to the queue.
    let reply = add_by_hand(&state, &cy, &list, "Cot", link).await;
    assert!(reply.status.is_success());
    assert!(state
        .tools
        .queue(QueueState::Waiting, 10)
        .await
        .unwrap()
        .is_empty());
    let kept = state.tools.queued(normalised).await.unwrap().unwrap();
    assert_eq!((kept.state, kept.lists), (QueueState::Promoted, 3));

    // Dismissing: gone from the queue, and for good.
    let other = "https://shop.example/spam";
    add_by_hand(
        &state,
        &ann,
        &create_list(&state, &ann).await,
        "Spam",
        other,
    )
    .await;
    let dismissed = post_from_site(
        &state,
        admin::DismissProduct::PATH,
        &admin,
        &form(&[("queued", other)]),
    )
    .await;
    assert!(dismissed.status.is_success(), "{}", dismissed.body);
    add_by_hand(
        &state,
        &bob,
        &create_list(&state, &bob).await,
        "Spam",
        other,
    )
    .await;
    assert!(state
        .tools
        .queue(QueueState::Waiting, 10)
        .await
        .unwrap()
        .is_empty());
    // Dismissing what is not queued says so.
    let missing = post_from_site(
        &state,
        admin::DismissProduct::PATH,
        &admin,
        &form(&[("queued", "https://shop.example/never")]),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Both changes are in the audit trail: who, what, before and after.
    let trail = state.tools.audit_log(now(), 10).await.unwrap();
    assert_eq!(trail.len(), 2, "{trail:?}");
    assert_eq!(trail[0].action, AuditAction::Dismiss);
    assert_eq!(trail[1].action, AuditAction::Promote);
    assert_eq!(trail[1].who, admin_user.email.as_str());
    assert_eq!(trail[1].target, normalised);
    assert!(trail[1].before.as_deref().unwrap().contains("Wooden cot"));
    assert!(trail[1].after.as_deref().unwrap().contains("Snuggle cot"));
    let page = get(&state, app::routes::ADMIN_AUDIT.path(), &admin).await;
    assert!(page.body.contains("Promoted to the catalogue"));
}

#[tokio::test]
async fn the_catalogue_editor_edits_retires_and_loads_checked_files() {
    let state = site().await;
    let (admin, _) = site::admin_session(&state, "Ada Admin").await;

    let saved = post_from_site(
        &state,
        admin::SaveCatalogueProduct::PATH,
        &admin,
        &form(&[
            ("id", "new"),
            ("title", "Bashful Bunny"),
            ("shop", "Jellycat"),
            ("url", "https://shop.example/bunny"),
            ("price", "24.99"),
            ("currency", "GBP"),
        ]),
    )
    .await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let found = state.tools.search_catalogue("BUNNY", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    let id = found[0].product.id;
    assert_eq!(
        found[0].product.product.brand.as_ref().unwrap().as_str(),
        "Jellycat"
    );
    // By link, and the page lists it.
    assert_eq!(
        state
            .tools
            .search_catalogue("shop.example/bun", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(state
        .tools
        .search_catalogue("rainbow", 10)
        .await
        .unwrap()
        .is_empty());
    let page = get(&state, "/admin/catalogue?q=jelly", &admin).await;
    assert!(page.body.contains("Bashful Bunny"), "{}", page.body);

    // A second product may not take its link.
    let clash = post_from_site(
        &state,
        admin::SaveCatalogueProduct::PATH,
        &admin,
        &form(&[
            ("id", "new"),
            ("title", "Copy"),
            ("url", "https://shop.example/bunny/"),
        ]),
    )
    .await;
    assert!(matches!(error_of(&clash), AppError::Invalid { field, .. } if field == "url"));

    // Retired: kept, but no longer found by its link; and back again.
    let retire = |retire: &'static str| {
        let state = state.clone();
        let admin = admin.clone();
        async move {
            post_from_site(
                &state,
                admin::RetireCatalogueProduct::PATH,
                &admin,
                &form(&[("id", id.as_ref()), ("retire", retire)]),
            )
            .await
        }
    };
    assert!(retire("true").await.status.is_success());
    assert!(state
        .store
        .catalogue_product_by_url("https://shop.example/bunny")
        .await
        .unwrap()
        .is_none());
    assert!(state.tools.search_catalogue("bunny", 10).await.unwrap()[0].retired);
    assert!(retire("false").await.status.is_success());
    assert!(state
        .store
        .catalogue_product_by_url("https://shop.example/bunny")
        .await
        .unwrap()
        .is_some());

    // A file with a bad row loads nothing and lists every problem on the page.
    let bad = "title,url,price,currency\nRainbow,https://shop.example/rainbow,18.50,GBP\n,https://shop.example/x,1,GBP\nBlocks,notalink,-1,GBP\n";
    let reply = upload(&state, &admin, "toys.csv", bad).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), app::routes::ADMIN_IMPORT.path());
    let report = get(&state, reply.location(), &admin).await;
    assert!(
        report.body.contains("toys.csv: nothing was loaded"),
        "{}",
        report.body
    );
    assert!(
        report.body.contains("line 3, title") && report.body.contains("line 4, url"),
        "{}",
        report.body
    );
    assert!(report.body.contains("line 4, price"));
    assert!(state
        .tools
        .search_catalogue("rainbow", 10)
        .await
        .unwrap()
        .is_empty());

    // A good one loads, updating what has the same link.
    let good = "title,brand,url,price,currency\nRainbow,Grimm's,https://shop.example/rainbow,18.50,GBP\nBashful Bunny (large),Jellycat,https://shop.example/bunny?size=l,34.99,GBP\n";
    let reply = upload(&state, &admin, "toys.csv", good).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let report = get(&state, reply.location(), &admin).await;
    assert!(
        report.body.contains("toys.csv: 1 created, 1 updated."),
        "{}",
        report.body
    );
    let bunny = state.tools.catalogue_line(&id).await.unwrap().unwrap();
    assert_eq!(
        bunny.product.product.title.as_str(),
        "Bashful Bunny (large)"
    );
    assert_eq!(state.tools.search_catalogue("", 10).await.unwrap().len(), 2);

    let actions: Vec<AuditAction> = state
        .tools
        .audit_log(now(), 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::Import,
            AuditAction::Import,
            AuditAction::Restore,
            AuditAction::Retire,
            AuditAction::SaveProduct
        ]
    );
}

#[tokio::test]
async fn the_counts_are_kept_by_the_writes_they_count() {
    let f = fixtures::fixture("kpi").await;
    let tools = server::store::tools::ToolStore::new(server::store::Table::new(
        f.client.clone(),
        f.table.clone(),
    ));
    let store = f.store.as_ref();
    let list = fixtures::new_list(domain::UserId::generate(), "Counted", now());
    store.create_list(&list).await.unwrap();
    let mut gifts = Vec::new();
    for i in 0..3 {
        let gift = fixtures::new_gift(list.id, 5, Some(&format!("https://shop.example/{i}")));
        store.add_gift(&list.owner, &gift).await.unwrap();
        gifts.push(gift);
    }
    let mut tokens = Vec::new();
    for (i, gift) in gifts.iter().enumerate() {
        let reserved = store
            .reserve(
                &list.id,
                &gift.id,
                fixtures::request(&format!("g{i}@example.com"), 1),
                now(),
                &app::ports::no_mail,
            )
            .await
            .unwrap();
        tokens.push(reserved.token);
    }
    store
        .confirm_purchase(&tokens[0], now(), &app::ports::no_mail)
        .await
        .unwrap();
    store.cancel_reservation(&tokens[1], now()).await.unwrap();
    // A refused action counts nothing: the gift is already bought.
    assert!(store.cancel_reservation(&tokens[0], now()).await.is_err());
    // Nor does one that changes nothing.
    store.cancel_reservation(&tokens[1], now()).await.ok();

    let days = tools.kpis(Kpi::day(now()), 90).await.unwrap();
    assert_eq!(days.len(), 90);
    let today = days.last().unwrap();
    assert_eq!(today.get(Kpi::ListCreated), 1);
    assert_eq!(today.get(Kpi::GiftAdded), 3);
    assert_eq!(today.get(Kpi::Reservation), 3);
    assert_eq!(today.get(Kpi::Purchase), 1);
    assert_eq!(today.get(Kpi::Cancellation), 1);
    assert_eq!(today.get(Kpi::SignUp), 0);
    let earlier: u64 = days[..89].iter().flat_map(|d| d.counts).sum();
    assert_eq!(earlier, 0);
}

#[tokio::test]
async fn the_dashboard_draws_the_counts_of_sign_ups_and_mail() {
    // With the stack's mail service.
    let state = site::migrated(site::config(
        "test",
        SITE,
        &site::unique_table("admin"),
        true,
    ))
    .await;
    let (admin, _) = site::admin_session(&state, "Ada Admin").await;
    // Two sign-ups, each with its welcome mail, delivered.
    let (owner, user) = site::session_for(&state, "Olive Owner", Duration::hours(1)).await;
    site::mail_to(&state, user.email.as_str()).await;
    create_list(&state, &owner).await;

    let overview: admin::Overview =
        json(&post_from_site(&state, admin::AdminOverview::PATH, &admin, "").await);
    let today = overview.days.last().unwrap();
    assert_eq!(today.get(Kpi::SignUp), 2, "the admin and the owner");
    assert_eq!(today.get(Kpi::ListCreated), 1);
    assert!(today.get(Kpi::MailSent) >= 1, "{today:?}");
    let page = get(&state, app::routes::ADMIN.path(), &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("data-testid=\"kpi-sign-ups-total\" class=\"text-stone-600\">2 · today 2<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg"), "a chart");
    assert!(page.body.contains("Sign-ups: 2 in 90 days, 2 today"));
}
