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
