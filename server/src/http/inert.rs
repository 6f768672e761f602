//! Pages without islands hydrate nothing, yet the framework still ends each page with its
//! hydration data (`__RESOLVED_RESOURCES=…`, `__INCOMPLETE_CHUNKS=…`) in inline scripts. The
//! policy of such a page allows only its own inline script and style by hash (`app::csp`), so
//! the browser would refuse those scripts (and say so in its console); they are removed before
//! the page is sent, with the data they carry.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// The largest page looked at (a list at its weight cap renders well under this).
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// What the framework's hydration-data scripts start with.
const DATA_SCRIPTS: [&str; 2] = ["__RESOLVED_RESOURCES", "__INCOMPLETE_CHUNKS"];

pub async fn drop_hydration_data(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let by_hash = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|policy| policy.contains("'sha256-") && !policy.contains("'nonce-"));
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if !by_hash || !html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        parts.status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let page = String::from_utf8_lossy(&bytes);
    let kept = without_data_scripts(&page);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(kept))
}

/// `page` without the scripts whose text starts with one of [`DATA_SCRIPTS`].
fn without_data_scripts(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find("<script") {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let Some(open_end) = from.find('>') else {
            out.push_str(from);
            return out;
        };
        let text = &from[open_end + 1..];
        let Some(close) = from.find("</script>") else {
            out.push_str(from);
            return out;
        };
        let end = close + "</script>".len();
        if !DATA_SCRIPTS.iter().any(|data| text.starts_with(data)) {
            out.push_str(&from[..end]);
        }
        rest = &from[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hydration_data_goes() {
        let page = concat!(
            "<head><script>document.addEventListener('submit', () => {});</script></head>",
            "<body><p>Cot</p>",
            "<script nonce=\"n1\">__RESOLVED_RESOURCES=[];__SERIALIZED_ERRORS=[];</script>",
            "<script nonce=\"n1\">__RESOLVED_RESOURCES[0] = \"{\\u003c/script>\";</script>",
            "<script nonce=\"n1\">__INCOMPLETE_CHUNKS=[];</script></body>"
        );
        assert_eq!(
            without_data_scripts(page),
            "<head><script>document.addEventListener('submit', () => {});</script></head><body><p>Cot</p></body>"
        );
        assert_eq!(without_data_scripts("<p>no script</p>"), "<p>no script</p>");
        assert_eq!(without_data_scripts("<script>unclosed"), "<script>unclosed");
    }
}
