//! The site's written pages and list-ideas articles through the router: titles, descriptions
//! and Open Graph tags on every page, what crawlers are told outside production, and adding an
//! article's product to a list as the page's own form posts it.

use crate::common::site::{self, form, get, post_with, Reply};
use app::owner;
use axum::http::{header, StatusCode};
use leptos::server_fn::ServerFn;
use server::AppState;
use time::Duration;

const SITE: &str = "http://localhost:3000";

async fn site() -> AppState {
    site::migrated(site::config(
        "test",
        SITE,
        &site::unique_table("content"),
        false,
    ))
    .await
}

fn count(body: &str, needle: &str) -> usize {
    body.matches(needle).count()
}

/// `content="…"` of the meta tag whose attribute is `key`.
fn meta<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let at = body.find(key)?;
    let tag_start = body[..at].rfind('<')?;
    let tag = &body[tag_start..tag_start + body[tag_start..].find('>')?];
    let content = tag.split("content=\"").nth(1)?;
    content.split('"').next()
}

#[tokio::test]
async fn every_public_page_has_a_title_a_description_and_open_graph_tags() {
    let state = site().await;
    let written = |slug| app::content::page(slug).unwrap().title.clone();
    let idea = app::content::idea("baby-shower").unwrap();
    let pages = [
        ("/", "Ewelists".to_owned()),
        (
            "/how-it-works",
            format!("{} · Ewelists", written("how-it-works")),
        ),
        ("/faq", format!("{} · Ewelists", written("faq"))),
        ("/terms", format!("{} · Ewelists", written("terms"))),
        ("/cookies", format!("{} · Ewelists", written("cookies"))),
        (
            "/privacy",
            "Privacy: what we keep and for how long · Ewelists".to_owned(),
        ),
        ("/ideas", "Gift list ideas · Ewelists".to_owned()),
        ("/ideas/baby-shower", format!("{} · Ewelists", idea.title)),
    ];
    for (path, title) in pages {
        let page = get(&state, path, "").await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = &page.body;
        assert!(
            body.contains(&format!("<title>{title}</title>")),
            "{path}: {body}"
        );
        assert_eq!(
            count(body, "name=\"description\""),
            1,
            "{path}: one description"
        );
        let description = meta(body, "name=\"description\"").unwrap();
        assert!(description.len() >= 50, "{path}: {description}");
        assert_eq!(
            meta(body, "property=\"og:description\""),
            Some(description),
            "{path}"
        );
        let shared = if path == "/" {
            "Ewelists"
        } else {
            title.trim_end_matches(" · Ewelists")
        };
        assert_eq!(meta(body, "property=\"og:title\""), Some(shared), "{path}");
        assert_eq!(
            meta(body, "property=\"og:url\""),
            Some(format!("{SITE}{path}").as_str()),
            "{path}"
        );
        assert!(
            body.contains(&format!("<link href=\"{SITE}{path}\" rel=\"canonical\">")),
            "{path}: {}",
            &body[..body.find("</head>").unwrap_or(0)]
        );
        assert!(
            !body.contains("name=\"robots\""),
            "{path}: may be indexed in production"
        );
        // Outside production nothing may be indexed, whatever links to it.
        assert_eq!(page.headers["x-robots-tag"], "noindex, nofollow", "{path}");
    }
    assert!(
        get(&state, "/faq", "").await.body.contains("<h3>"),
        "the FAQ's questions"
    );

    // A private page says so itself.
    let problem = get(&state, "/sign-in/problem", "").await;
    assert_eq!(meta(&problem.body, "name=\"robots\""), Some("noindex"));
    assert!(!problem.body.contains("rel=\"canonical\""));
    assert_eq!(
        get(&state, "/ideas/no-such-article", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn outside_production_crawlers_are_told_to_stay_out() {
    let state = site().await;
    let robots = get(&state, "/robots.txt", "").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert_eq!(robots.body, "User-agent: *\nDisallow: /\n");
    assert!(robots.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let sitemap = get(&state, "/sitemap.xml", "").await;
    assert_eq!(sitemap.status, StatusCode::OK);
    assert!(
        sitemap.body.contains("<urlset") && !sitemap.body.contains("<url>"),
        "{}",
        sitemap.body
    );
}

/// The `value` of the form field `name` in `html` (the first one).
fn field<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let tag_end = at + html[at..].find('>').unwrap();
    let value = html[at..tag_end].split("value=\"").nth(1).unwrap();
    value.split('"').next().unwrap()
}

async fn post_from(state: &AppState, page: &str, cookie: &str, body: &str) -> Reply {
    let referer = format!("{SITE}{page}");
    post_with(
        state,
        owner::AddGift::PATH,
        cookie,
        body,
        &[
            (header::ORIGIN, SITE),
            (header::ACCEPT, "text/html"),
            (header::REFERER, referer.as_str()),
        ],
    )
    .await
}

#[tokio::test]
async fn an_owner_adds_an_article_s_product_to_a_list_in_one_step() {
    let state = site().await;
    let page = "/ideas/baby-shower";

    // Signed out: a way to sign in that comes back to the product.
    let visitor = get(&state, page, "").await;
    assert!(
        visitor
            .body
            .contains("return_to=/ideas/baby-shower%23product-1"),
        "{}",
        visitor.body
    );
    assert!(!visitor.body.contains("data-testid=\"add-idea\""));

    // Signed in without a list: a way to make one.
    let (ann, user) = site::session_for(&state, "Ann", Duration::days(30)).await;
    assert!(get(&state, page, &ann)
        .await
        .body
        .contains("Make a list to add it to"));

    // With a list: the product's form, posted as the page has it.
    let list = post_with(
        &state,
        owner::CreateList::PATH,
        &ann,
        &form(&[("title", "Baby Jo"), ("occasion", "baby-shower")]),
        &[(header::ORIGIN, SITE)],
    )
    .await;
    let list_id: String = site::json(&list);
    let html = get(&state, page, &ann).await.body;
    let start = html.find("id=\"product-1\"").unwrap();
    let card = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(
        card.contains(&format!("<option value=\"{list_id}\">Baby Jo</option>")),
        "{card}"
    );
    let product = &app::content::idea("baby-shower").unwrap().products[0];
    let posted = form(&[
        ("title", field(card, "title")),
        ("shop", field(card, "shop")),
        ("url", &field(card, "url").replace("&amp;", "&")),
        ("price", field(card, "price")),
        ("currency", field(card, "currency")),
        ("wanted", field(card, "wanted")),
        ("list_id", &list_id),
    ]);
    let added = post_from(&state, page, &ann, &posted).await;
    assert!(added.status.is_redirection(), "{}", added.body);
    assert!(
        added
            .location()
            .starts_with(&format!("/lists/{list_id}/edit?")),
        "to the list: {}",
        added.location()
    );
    let id = domain::ListId::parse(&list_id).unwrap();
    let gifts = state.store.list_page(&id).await.unwrap().unwrap().gifts;
    assert_eq!(gifts.len(), 1);
    let gift = &gifts[0].product;
    assert_eq!(gift.title, product.title);
    assert_eq!(gift.brand.as_ref(), Some(&product.shop));
    assert_eq!(gift.url.as_ref(), Some(&product.url));
    assert_eq!(gift.price, Some(product.price));
    assert_eq!(gifts[0].wanted.get(), 1);

    // A form changed by hand is held to the editor's rules, and comes back to the article.
    let tampered = posted.replace("price=", "price=ten");
    let refused = post_from(&state, page, &ann, &tampered).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(
        refused.location().starts_with("/ideas/baby-shower?__path="),
        "{}",
        refused.location()
    );
    let shown = get(&state, refused.location(), &ann).await;
    assert!(shown.body.contains("role=\"alert\""), "{}", shown.body);
    assert_eq!(
        state
            .store
            .list_page(&id)
            .await
            .unwrap()
            .unwrap()
            .gifts
            .len(),
        1
    );

    // Someone else's list is not theirs to add to.
    let (bob, _) = site::session_for(&state, "Bob", Duration::days(30)).await;
    let theirs = post_from(&state, page, &bob, &posted).await;
    assert!(
        theirs.location().contains("__err="),
        "{}",
        theirs.location()
    );
    assert_eq!(
        state
            .store
            .list_page(&id)
            .await
            .unwrap()
            .unwrap()
            .gifts
            .len(),
        1
    );
    drop(user);
}

async fn contact(state: &AppState, address: &str, body: &str) -> Reply {
    let origin = state.config.site_url.origin().ascii_serialization();
    let referer = format!("{origin}/contact");
    post_with(
        state,
        app::contact::SendContact::PATH,
        "",
        body,
        &[
            (header::ORIGIN, origin.as_str()),
            (header::ACCEPT, "text/html"),
            (header::REFERER, referer.as_str()),
            (header::HeaderName::from_static("x-forwarded-for"), address),
        ],
    )
    .await
}

/// Every item of the site's table, read raw.
async fn raw_table(state: &AppState) -> Vec<crate::common::Item> {
    let client = crate::common::client().await;
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&state.config.table.name)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("raw scan");
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return items,
        }
    }
}

#[tokio::test]
async fn a_message_to_the_team_is_kept_and_mailed_with_a_copy_to_its_sender() {
    // The stack's mail service, and client addresses from `X-Forwarded-For`.
    let state = site::migrated(crate::guest::guest_config()).await;
    let address = crate::guest::fresh_address;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let sender = format!("writer-{tag}@example.com");
    let name = format!("Wendy {}", &tag[..8]);
    let text = "My list's link says not found.\n\nCan you help? <b>thanks</b>";
    let body = form(&[
        ("name", &name),
        ("email", &sender),
        ("text", text),
        ("website", ""),
    ]);
    let sent = contact(&state, &address(), &body).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(
        sent.location().starts_with("/contact?__done="),
        "{}",
        sent.location()
    );
    let page = get(&state, sent.location(), "").await;
    assert!(
        page.body.contains("data-testid=\"contact-sent\""),
        "{}",
        page.body
    );

    // Kept, to be answered and looked back at, for a year.
    let table = raw_table(&state).await;
    let kept: Vec<_> = table
        .iter()
        .filter(|item| crate::common::text(item, "pk").starts_with("CONTACT#"))
        .filter(|item| crate::common::text(item, "email") == sender)
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(crate::common::text(kept[0], "message"), text);
    let expires = crate::common::number(kept[0], "expires_at");
    let in_a_year = (time::OffsetDateTime::now_utc() + Duration::days(365)).unix_timestamp() as u64;
    assert!(expires.abs_diff(in_a_year) < 60, "{expires} vs {in_a_year}");

    // To the team, and the copy to the sender, escaped.
    let copy = site::mail_to(&state, &sender).await;
    assert_eq!(copy.len(), 1, "one copy");
    assert!(copy[0].body_text.contains("My list's link says not found."));
    let html = copy[0].body_html.as_deref().unwrap_or_default();
    assert!(
        html.contains("&lt;b&gt;thanks&lt;/b&gt;") && !html.contains("<b>thanks"),
        "{html}"
    );
    let team = site::outbox_for("hello@ewelists.test").await;
    let to_team: Vec<_> = team.iter().filter(|m| m.subject.contains(&name)).collect();
    assert_eq!(to_team.len(), 1, "one mail to the team");
    assert!(
        to_team[0].body_text.contains(&sender),
        "the address to answer"
    );

    // Bad input: its field, nothing kept.
    let bad = contact(
        &state,
        "203.0.113.41",
        &form(&[
            ("name", "Wendy"),
            ("email", "not-an-address"),
            ("text", "Hi"),
        ]),
    )
    .await;
    assert!(bad.location().contains("__err="), "{}", bad.location());
    let shown = get(&state, bad.location(), "").await;
    assert!(shown
        .body
        .contains(app::error::field_hint("email").unwrap()));

    // The hidden field filled in: refused, nothing kept or mailed.
    let script = form(&[
        ("name", "Bot"),
        ("email", "bot@example.com"),
        ("text", "Buy"),
        ("website", "http://spam.example"),
    ]);
    let refused = contact(&state, &address(), &script).await;
    assert!(
        refused.location().contains("__err="),
        "{}",
        refused.location()
    );
    let after = raw_table(&state).await;
    assert!(!after.iter().any(
        |item| crate::common::text(item, "pk").starts_with("CONTACT#")
            && crate::common::text(item, "email") == "bot@example.com"
    ));

    // Five an hour from one address: the sixth is refused before anything is kept.
    let flo = address();
    for n in 0..5 {
        let body = form(&[
            ("name", "Flo"),
            ("email", &format!("flo{n}-{tag}@example.com")),
            ("text", "Hello"),
        ]);
        let ok = contact(&state, &flo, &body).await;
        assert!(
            ok.location().starts_with("/contact?__done="),
            "{n}: {}",
            ok.location()
        );
    }
    let sixth = form(&[
        ("name", "Flo"),
        ("email", &format!("flo5-{tag}@example.com")),
        ("text", "Hello"),
    ]);
    let limited = contact(&state, &flo, &sixth).await;
    assert!(
        limited.location().contains("__err="),
        "{}",
        limited.location()
    );
    let last = raw_table(&state).await;
    let flo5 = format!("flo5-{tag}@example.com");
    assert!(!last.iter().any(|item| {
        crate::common::text(item, "pk").starts_with("CONTACT#")
            && crate::common::text(item, "email") == flo5
    }));
}
