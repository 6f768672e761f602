//! Security and caching headers on every response.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy for responses that are not pages (JSON, files): nothing may run or be framed.
/// Pages carry their own, bound to their script nonce (`app::csp`).
const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Two years, the value HSTS preload lists ask for.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// What [`security_headers`] adds beside the headers every response gets.
#[derive(Debug, Clone, Copy)]
pub struct SiteHeaders {
    /// HSTS, only where the site is served over https (deployed).
    pub hsts: bool,
    /// Whether search engines may index the site (production only); otherwise every response
    /// says `X-Robots-Tag: noindex`.
    pub indexable: bool,
}

/// Adds the headers.
pub async fn security_headers(
    State(site): State<SiteHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !site.indexable {
        headers.insert(
            "x-robots-tag",
            HeaderValue::from_static("noindex, nofollow"),
        );
    }
    if site.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// What the site's files may be kept for. The scripts, styles and wasm under `/pkg/` have the
/// hash of their content in their names (cargo-leptos `hash-files`), so a changed file gets a
/// new name and the old one can be kept for a year.
const FINGERPRINTED: &str = "public, max-age=31536000, immutable";
const UNFINGERPRINTED: &str = "public, no-cache";
/// Pictures and the icon: a day.
const STATIC_FILE: &str = "public, max-age=86400";
/// Pages, server functions, redirects and errors: never kept by a shared cache (the CDN),
/// nor stored by the browser. Pages show the visitor's own lists, reservations or remembered
/// reservations, and capability links; a response that may be shared says so itself.
const DYNAMIC: &str = "private, no-store";

/// The `Cache-Control` of a successful response to `path` that set none.
pub fn cache_policy(path: &str, fingerprinted: bool) -> &'static str {
    if super::is_built_file(path) {
        if fingerprinted {
            FINGERPRINTED
        } else {
            UNFINGERPRINTED
        }
    } else if super::is_public_file(path) {
        STATIC_FILE
    } else {
        DYNAMIC
    }
}

/// Gives every response a `Cache-Control` (see [`cache_policy`]) unless it has one;
/// `fingerprinted` says whether the site's files have hashed names.
pub async fn cache_control(
    State(fingerprinted): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let policy = cache_policy(request.uri().path(), fingerprinted);
    let mut response = next.run(request).await;
    let status = response.status();
    let cacheable = status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED;
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(if cacheable {
            policy
        } else {
            DYNAMIC
        }));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_are_kept_and_fingerprinted_ones_for_a_year() {
        assert_eq!(cache_policy("/pkg/ewelists.a1b2.wasm", true), FINGERPRINTED);
        assert_eq!(cache_policy("/pkg/ewelists.wasm", false), UNFINGERPRINTED);
        assert_eq!(cache_policy("/favicon.svg", true), STATIC_FILE);
        assert_eq!(cache_policy("/images/hero.webp", true), STATIC_FILE);
        for page in [
            "/",
            "/lists/abc",
            "/reservations/tok",
            "/api/reserve",
            "/healthz",
        ] {
            assert_eq!(cache_policy(page, true), DYNAMIC, "{page}");
        }
    }
}
