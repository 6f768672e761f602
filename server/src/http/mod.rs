//! The HTTP layer: the router, its middleware and the few plain endpoints beside the app.

mod headers;
mod health;
mod logging;

use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::AppState;

pub use logging::redact_path;

/// The whole site: pages and server functions from the app, `/healthz`, static files, logs.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let leptos_options = state.leptos_options.clone();
    let hsts = state.config.environment.is_deployed();
    Router::new()
        .route("/healthz", get(health::healthz))
        .leptos_routes(&state, routes, move || app::shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(axum::middleware::from_fn(logging::log_requests))
                .layer(axum::middleware::from_fn_with_state(
                    hsts,
                    headers::security_headers,
                ))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}
