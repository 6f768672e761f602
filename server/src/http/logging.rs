//! One log line per request: method, path, status, latency and request id.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::{self, Metric};

/// The path as it may be logged: capability tokens are replaced by `:token`. The route table
/// says which routes carry one ([`app::routes::RoutePath::token_follows`]): the segment after
/// that name is hidden, wherever it appears.
pub fn redact_path(path: &str) -> String {
    let token_follows: Vec<&str> = app::routes::ALL
        .iter()
        .filter_map(|route| route.token_follows())
        .collect();
    let mut out = String::with_capacity(path.len());
    let mut hide_next = false;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if hide_next && !segment.is_empty() {
            out.push_str(":token");
        } else {
            out.push_str(segment);
        }
        hide_next = token_follows.contains(&segment);
    }
    out
}

/// Whether a client's `X-Request-Id` may be kept: 1 to 64 letters, digits, `.`, `_` or `-`.
/// Anything else could forge or swell log lines.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Drops a client's `X-Request-Id` that is not in a safe format, so that the request-id layer
/// makes a new one.
pub async fn drop_unsafe_request_id(mut request: Request, next: Next) -> Response {
    let unsafe_id = request
        .headers()
        .get("x-request-id")
        .is_some_and(|id| !is_safe_request_id(id.as_bytes()));
    if unsafe_id {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = redact_path(request.uri().path());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    // The span gives context to whatever is logged while handling the request; the request's own
    // line repeats the fields so that it reads whole on its own (and flat, in JSON).
    let span = tracing::info_span!("request", %method, %path, %request_id);
    let response = next.run(request).instrument(span).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        metrics::count(Metric::Http5xx);
        tracing::error!(%method, %path, %request_id, status, latency_ms, "request failed");
    } else {
        tracing::info!(%method, %path, %request_id, status, latency_ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn capability_tokens_are_hidden() {
        let token = "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA";
        let link = app::routes::reservation(&domain::ReservationToken::parse(token).unwrap());
        assert_eq!(redact_path(&link), app::routes::RESERVATION.pattern);
        assert_eq!(redact_path("/reservations/abc.def"), "/reservations/:token");
        assert_eq!(
            redact_path("/reservations/abc/cancel"),
            "/reservations/:token/cancel"
        );
        assert_eq!(redact_path("/reservations/"), "/reservations/");
    }

    #[test]
    fn other_paths_are_kept() {
        assert_eq!(redact_path("/"), "/");
        assert_eq!(redact_path("/lists/abc"), "/lists/abc");
        assert_eq!(redact_path("/pkg/ewelists.wasm"), "/pkg/ewelists.wasm");
    }
}
