//! The HTTP layer: the router, its middleware and the few plain endpoints beside the app.

mod account;
mod admin;
pub mod client;
pub mod cookies;
mod crawlers;
pub mod edge;
pub mod form_key;
mod headers;
mod health;
mod inert;
mod logging;
pub mod origin;
pub mod page_cache;
mod server_fn_errors;
pub mod session;
pub mod sign_in;
pub mod timeout;

use app::routes;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::AppState;

pub use logging::redact_path;

/// The built site's files: the scripts, styles and wasm under `/pkg/`.
fn is_built_file(path: &str) -> bool {
    path.starts_with("/pkg/")
}

/// The files of `public/`: the pictures and the icon.
fn is_public_file(path: &str) -> bool {
    path.starts_with("/images/") || path == "/favicon.svg"
}

/// The built stylesheet (`<site>/pkg/<name>.<hash>.css`), which pages carry inline
/// ([`app::InlineStyle`]). Not while developing, where the file changes under a running server
/// (pages link to it then), nor when the build has none.
fn built_stylesheet(options: &leptos::config::LeptosOptions) -> Option<app::InlineStyle> {
    if options.env == leptos::config::Env::DEV {
        return None;
    }
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let name = options.output_name.as_ref();
    let mut found = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            file.starts_with(&format!("{name}.")) && file.ends_with(".css")
        });
    let (Some(file), None) = (found.next(), found.next()) else {
        tracing::warn!(dir = %dir.display(), "no single stylesheet in the build: pages link to it");
        return None;
    };
    match std::fs::read_to_string(file.path()) {
        Ok(css) => Some(app::InlineStyle(css.into())),
        Err(err) => {
            tracing::warn!(file = %file.path().display(), %err, "the stylesheet cannot be read: pages link to it");
            None
        }
    }
}

/// A policy's hash of an inline element (standard base64 of its SHA-256).
fn sha256_base64(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The whole site: pages and server functions from the app, sign-in, `/healthz`, static
/// files; and around them the request id, logs, security headers, the same-origin check for
/// anything that changes state, the session, the CDN check, `Cache-Control` and a time limit.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let leptos_options = state.leptos_options.clone();
    let site_headers = headers::SiteHeaders {
        hsts: state.config.deployed,
        indexable: crawlers::indexable(&state.config),
    };
    let crawlers = std::sync::Arc::new(crawlers::Crawlers::new(
        state.config.site_url.as_str(),
        site_headers.indexable,
    ));
    let site_url = app::components::meta::SiteUrl(state.config.site_url.to_string());
    let edge = edge::EdgeSecrets::new(&state.config.origin_secrets);
    let fingerprinted = state.leptos_options.hash_files;
    let site = origin::SiteOrigin::of(&state.config.site_url);
    let services = state.services();
    // The fetch allow-list exists only in local and test (config refuses it elsewhere).
    let test_shop_images = app::csp::ExtraImageOrigins(
        state
            .config
            .fetch
            .allow
            .iter()
            .map(|host_port| format!("http://{host_port}"))
            .collect(),
    );
    let sign_in_origin =
        app::csp::SignInOrigin(state.config.cognito.domain.origin().ascii_serialization());
    let inline_style = built_stylesheet(&state.leptos_options);
    let inline_hashes = app::csp::InlineHashes {
        script: sha256_base64(app::PAGE_SCRIPT),
        style: inline_style.as_ref().map(|style| sha256_base64(&style.0)),
    };
    Router::new()
        .route(routes::HEALTH.path(), get(health::healthz))
        .route(routes::SIGN_IN.path(), get(sign_in::start))
        .route(routes::SIGN_IN_CALLBACK.path(), get(sign_in::callback))
        .route(routes::SIGN_OUT.path(), post(sign_in::sign_out))
        .route(routes::ACCOUNT_DATA.path(), get(account::download))
        .route(routes::ACCOUNT_DELETE.path(), post(account::delete))
        .route(routes::ADMIN_IMPORT.path(), post(admin::import))
        .route(
            routes::ROBOTS.path(),
            get(crawlers::robots).with_state(crawlers.clone()),
        )
        .route(
            routes::SITEMAP.path(),
            get(crawlers::sitemap).with_state(crawlers),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(sign_in_origin.clone());
                provide_context(site_url.clone());
                provide_context(test_shop_images.clone());
                provide_context(services.clone());
                if let Some(style) = &inline_style {
                    provide_context(style.clone());
                }
                provide_context(inline_hashes.clone());
            },
            move || app::shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(logging::drop_unsafe_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(axum::middleware::from_fn_with_state(
                    client::AddressSource::of(&state.config),
                    client::insert_client_address,
                ))
                .layer(axum::middleware::from_fn(logging::log_requests))
                // Behind the CDN, only the CDN may call (see `edge`).
                .layer(axum::middleware::from_fn_with_state(
                    edge,
                    edge::from_edge_only,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    fingerprinted,
                    headers::cache_control,
                ))
                // Pages, scripts, styles and the wasm go out compressed (brotli or gzip, as
                // the browser accepts); pictures and tiny bodies don't.
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn_with_state(
                    site_headers,
                    headers::security_headers,
                ))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(axum::middleware::from_fn_with_state(
                    site,
                    origin::same_origin_only,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    session::load_session,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.cookies(),
                    form_key::form_keys,
                ))
                // Inside the session: it serves kept pages only to visitors without one.
                .layer(axum::middleware::from_fn_with_state(
                    state.page_cache.clone(),
                    page_cache::serve,
                ))
                .layer(axum::middleware::from_fn(inert::drop_hydration_data))
                .layer(axum::middleware::from_fn(server_fn_errors::error_status))
                // Innermost: a request answered for being too slow still gets every header.
                .layer(axum::middleware::from_fn_with_state(
                    timeout::RequestTimeout(state.config.request_timeout),
                    timeout::limit,
                )),
        )
        .with_state(state)
}
