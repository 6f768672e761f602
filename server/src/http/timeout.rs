//! A time limit on every request: a request still running after it is answered `503` with a
//! short page in words (and counted, `RequestTimeouts`), so that nothing holds a connection, a
//! Lambda invocation or a person waiting for longer. Anything slow below (the table, the mail
//! service, a shop's page) has its own shorter limit; this one catches what they miss.
//!
//! The limit (10 s unless `request_timeout_ms` says otherwise) stays under the web function's
//! own timeout in AWS (15 s), so that people get this page rather than the platform's error.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::metrics::{self, Metric};

/// The time limit, as the router's middleware state.
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Answers `503` when `next` takes longer than the limit. What it was doing is dropped (every
/// write is one transaction, so nothing is left half-written).
pub async fn limit(
    State(RequestTimeout(limit)): State<RequestTimeout>,
    request: Request,
    next: Next,
) -> Response {
    let path = super::redact_path(request.uri().path());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(%path, limit_ms = limit.as_millis() as u64, "request timed out");
            metrics::count(Metric::RequestTimeouts);
            too_slow()
        }
    }
}

fn too_slow() -> Response {
    let body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Please try again</title></head><body>\
        <h1>That took too long</h1>\
        <p>We couldn't answer in time. Please try again in a moment.</p>\
        <p><a href=\"/\">Go to the home page</a></p></body></html>";
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
