//! Black-box tests of the router: real requests through `Router::oneshot`, DynamoDB Local behind.
//!
//! Needs `EWELISTS_DYNAMODB_ENDPOINT` (set by `./dev test` or `scripts/stack.py --profile test`).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use server::config::Config;
use server::store::schema;
use server::{http, AppState};
use tower::ServiceExt;

use crate::common::site;

fn config(table: &str) -> Config {
    config_for("test", "http://localhost:3000", table)
}

fn config_for(environment: &str, site: &str, table: &str) -> Config {
    site::config(environment, site, table, false)
}

fn unique_table() -> String {
    site::unique_table("router")
}

async fn state(table: &str) -> AppState {
    state_with(config(table)).await
}

async fn state_with(config: Config) -> AppState {
    site::state(config).await
}

async fn get(state: &AppState, path: &str) -> (StatusCode, header::HeaderMap, String) {
    let response = http::router(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn home_page_is_rendered_on_the_server() {
    let state = state(&unique_table()).await;
    let (status, headers, body) = get(&state, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(body.contains("Gift lists for life's big moments"), "{body}");
    assert!(body.contains("<header"));
    assert!(body.contains("id=\"mobile-menu\""));
    assert!(body.contains("/pkg/ewelists.js"));
    // Not `ewelists_bg.wasm`: that is what a server built without LEPTOS_OUTPUT_NAME asks for.
    assert!(body.contains("/pkg/ewelists.wasm"), "{body}");
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn a_request_id_is_kept_only_in_a_safe_format() {
    let state = state(&unique_table()).await;
    let id_of = |sent: &str| {
        let request = Request::get("/healthz")
            .header("x-request-id", sent)
            .body(Body::empty())
            .unwrap();
        let router = http::router(state.clone());
        async move {
            let response = router.oneshot(request).await.unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(id_of("req-42").await, "req-42");
    for unsafe_id in [
        "x".repeat(200),
        "a b \" c".to_owned(),
        "level=error msg=forged".to_owned(),
    ] {
        let given = id_of(&unsafe_id).await;
        assert_ne!(given, unsafe_id);
        assert!(given.len() <= 64 && !given.contains(' '), "{given}");
    }
}

#[tokio::test]
async fn unknown_paths_get_the_404_page() {
    let state = state(&unique_table()).await;
    let (status, _, body) = get(&state, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("We can't find that page"), "{body}");
    assert!(body.contains("noindex"));
}

#[tokio::test]
async fn healthz_is_ok_when_the_table_answers() {
    let table = unique_table();
    let state = state(&table).await;
    schema::migrate(&state.dynamodb, &table).await.unwrap();
    let (status, headers, body) = get(&state, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(body, r#"{"checks":{"table":"ok"},"status":"ok"}"#);
}

#[tokio::test]
async fn healthz_is_unavailable_without_the_table() {
    let state = state(&unique_table()).await; // never created
    let (status, headers, body) = get(&state, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(body.contains("unavailable"));
    assert!(
        !body.to_lowercase().contains("resourcenotfound"),
        "leaks internals: {body}"
    );
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let table = unique_table();
    let state = state(&table).await;
    assert_eq!(
        schema::migrate(&state.dynamodb, &table).await.unwrap(),
        schema::Migration::Created
    );
    assert_eq!(
        schema::migrate(&state.dynamodb, &table).await.unwrap(),
        schema::Migration::AlreadyPresent
    );
    let ttl = state
        .dynamodb
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some(schema::TTL_ATTRIBUTE)
    );
}

/// The nonce in a page's policy (`script-src 'nonce-…'`).
fn policy_nonce(headers: &header::HeaderMap) -> String {
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"))
        .to_owned()
}

#[tokio::test]
async fn pages_allow_only_scripts_with_their_nonce() {
    let state = state(&unique_table()).await;
    let (_, headers, body) = get(&state, "/").await;
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let nonce = policy_nonce(&headers);
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts: Vec<&str> = body.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "script without the nonce: <script{tag}>"
        );
    }
    // A new nonce for every response.
    let (_, again, _) = get(&state, "/").await;
    assert_ne!(policy_nonce(&again), nonce);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let table = unique_table();
    let state = state(&table).await;
    schema::migrate(&state.dynamodb, &table).await.unwrap();
    for path in ["/", "/healthz", "/favicon.svg", "/no/such/page"] {
        let (_, headers, _) = get(&state, path).await;
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(
            headers[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(
            headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert!(
            !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS on plain http: {path}"
        );
    }
    let (_, headers, _) = get(&state, "/healthz").await;
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn deployed_sites_send_hsts() {
    let state = state_with(config_for(
        "staging",
        "https://staging.ewelists.com",
        &unique_table(),
    ))
    .await;
    let (_, headers, _) = get(&state, "/").await;
    assert_eq!(
        headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn behind_the_cdn_only_requests_carrying_its_secret_header_are_served() {
    let mut config = config(&unique_table());
    let secret = "o".repeat(40);
    config.origin_secrets = vec![secret.clone().into()];
    config.client_ip_header = Some("cloudfront-viewer-address".into());
    let state = state_with(config).await;
    let send = |verify: Option<&str>, path: &str| {
        let mut request = Request::get(path).header("cloudfront-viewer-address", "203.0.113.9:443");
        if let Some(value) = verify {
            request = request.header("x-origin-verify", value);
        }
        http::router(state.clone()).oneshot(request.body(Body::empty()).unwrap())
    };
    for path in ["/", "/healthz", "/lists/abc", "/favicon.svg"] {
        let direct = send(None, path).await.unwrap();
        assert_eq!(direct.status(), StatusCode::FORBIDDEN, "{path}");
        let forged = send(Some("guess"), path).await.unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let through_cdn = send(Some(&secret), "/").await.unwrap();
    assert_eq!(through_cdn.status(), StatusCode::OK);
    // A refused request says nothing of the app.
    let body = send(None, "/").await.unwrap().into_body().collect().await;
    assert_eq!(body.unwrap().to_bytes(), "Forbidden\n");
}

#[tokio::test]
async fn pages_are_never_kept_by_shared_caches_and_files_are() {
    let state = state(&unique_table()).await;
    for path in [
        "/",
        "/lists/AAAAAAAAAAAAAAAAAAAAAA",
        "/no-such-page",
        "/healthz",
    ] {
        let (_, headers, _) = get(&state, path).await;
        let policy = headers[header::CACHE_CONTROL].to_str().unwrap();
        assert!(
            policy == "private, no-store" || policy == "no-store",
            "{path}: {policy}"
        );
    }
    // The site's public files, as the built site holds them.
    let options = leptos::config::LeptosOptions::builder()
        .output_name("ewelists")
        .site_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../public"))
        .build();
    let files = AppState::connect(config(&unique_table()), options)
        .await
        .unwrap();
    let (status, headers, _) = get(&files, "/favicon.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=86400");
    let (status, headers, _) = get(&files, "/images/no-such-picture.webp").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_answered_503_in_words_with_every_header() {
    let mut config = config(&unique_table());
    // Far shorter than a page that reads the table can take.
    config.request_timeout = std::time::Duration::from_millis(1);
    let table = config.table.name.clone();
    let state = state_with(config).await;
    schema::migrate(&state.dynamodb, &table)
        .await
        .expect("the table is created");
    let (status, headers, body) =
        get(&state, &format!("/lists/{}", domain::ListId::generate())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("That took too long"), "{body}");
    assert_eq!(headers[header::RETRY_AFTER], "5");
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    assert!(
        headers.contains_key("x-content-type-options"),
        "{headers:?}"
    );
    assert!(headers.contains_key("x-request-id"), "{headers:?}");
}

#[tokio::test]
async fn a_page_opened_from_another_page_is_that_page_not_a_redirect() {
    // Pages call server functions while they render, within the navigation's own request
    // (which accepts HTML and has a Referer, like a plain form post): only a post to a function
    // is sent back to its form.
    let state = site::migrated(config(&unique_table())).await;
    for (path, expected) in [
        ("/", StatusCode::OK),
        ("/lists/AAAAAAAAAAAAAAAAAAAAAA", StatusCode::NOT_FOUND),
    ] {
        let response = http::router(state.clone())
            .oneshot(
                Request::get(path)
                    .header(header::ACCEPT, "text/html,application/xhtml+xml")
                    .header(header::REFERER, "http://localhost:3000/privacy")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path}");
        assert!(!response.headers().contains_key(header::LOCATION), "{path}");
    }
}

#[tokio::test]
async fn a_page_without_islands_runs_only_its_own_script_allowed_by_its_hash() {
    use base64::Engine;
    use sha2::Digest;

    let state = state(&unique_table()).await;
    let (status, headers, body) = get(&state, "/privacy").await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        !policy.contains("nonce") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    // One script: the page script, and the policy names exactly it. The framework's hydration
    // data is gone (nothing hydrates here).
    let scripts: Vec<&str> = body
        .split("<script")
        .skip(1)
        .map(|s| {
            let text = &s[s.find('>').unwrap() + 1..];
            &text[..text.find("</script>").unwrap()]
        })
        .collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(scripts[0]));
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
    assert!(!body.contains("__RESOLVED_RESOURCES"), "{body}");
    // Nothing in it changes from one visitor to the next.
    let (_, _, again) = get(&state, "/privacy").await;
    assert_eq!(again, body);
}
