//! `/healthz`: whether this instance can serve, for load balancers and the deploy.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::AppState;

/// 200 when the table answers, 503 otherwise. Never cached; says nothing about internals.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let table_ok = state.store.ping().await;
    let (status, body) = if table_ok {
        (
            StatusCode::OK,
            json!({ "status": "ok", "checks": { "table": "ok" } }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "checks": { "table": "unavailable" } }),
        )
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
