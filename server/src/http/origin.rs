//! CSRF defence: every request that may change state (anything but GET, HEAD and OPTIONS) must
//! come from one of the site's own pages, which browsers state in `Origin` (or, failing that,
//! `Referer`). Server functions (guests' too), the sign-out form and any future form post are
//! covered, because the check sits in front of the whole router.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::FromServerFnError;
use url::Url;

/// The site's origin as browsers write it in `Origin`: `https://ewelists.com`,
/// `http://localhost:3000`.
#[derive(Debug, Clone)]
pub struct SiteOrigin(Arc<str>);

impl SiteOrigin {
    pub fn of(site: &Url) -> Self {
        Self(site.origin().ascii_serialization().into())
    }

    /// Whether the request says it comes from this site. No `Origin` and no `Referer` (or
    /// `Origin: null`) is refused: the site's own pages always send one of them on a POST.
    pub fn accepts(&self, headers: &HeaderMap) -> bool {
        if let Some(origin) = headers.get(header::ORIGIN) {
            return origin.as_bytes() == self.0.as_bytes();
        }
        headers
            .get(header::REFERER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Url::parse(value).ok())
            .is_some_and(|referer| referer.origin().ascii_serialization() == *self.0)
    }
}

/// Refuses state-changing requests from elsewhere with 403 (a server function's typed
/// [`app::error::AppError::CrossSite`] under `/api/`).
pub async fn same_origin_only(
    State(site): State<SiteOrigin>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || site.accepts(request.headers()) {
        return next.run(request).await;
    }
    tracing::info!(
        method = %request.method(),
        path = %crate::http::redact_path(request.uri().path()),
        "cross-site request refused"
    );
    let server_function = request
        .uri()
        .path()
        .strip_prefix(app::routes::SERVER_FUNCTIONS)
        .is_some_and(|rest| rest.starts_with('/'));
    if server_function {
        let refused = app::error::AppError::CrossSite;
        (
            StatusCode::from_u16(refused.status()).unwrap_or(StatusCode::FORBIDDEN),
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::HeaderName::from_static("serverfnerror"),
                    HeaderValue::from_str(request.uri().path()).unwrap_or_else(|_| {
                        HeaderValue::from_static(app::routes::SERVER_FUNCTIONS)
                    }),
                ),
            ],
            refused.ser(),
        )
            .into_response()
    } else {
        (
            StatusCode::FORBIDDEN,
            "This request didn't come from an Ewelists page, so it was refused.",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    fn site() -> SiteOrigin {
        SiteOrigin::of(&Url::parse("https://ewelists.com/").unwrap())
    }

    #[test]
    fn the_sites_own_origin_passes() {
        assert!(site().accepts(&headers(&[(header::ORIGIN, "https://ewelists.com")])));
        assert!(site().accepts(&headers(&[(
            header::REFERER,
            "https://ewelists.com/lists/abc?x=1"
        )])));
    }

    #[test]
    fn other_origins_schemes_and_ports_are_refused() {
        for origin in [
            "https://evil.example",
            "http://ewelists.com",
            "https://ewelists.com:8443",
            "https://ewelists.com.evil.example",
            "null",
            "",
        ] {
            assert!(
                !site().accepts(&headers(&[(header::ORIGIN, origin)])),
                "{origin}"
            );
        }
        assert!(!site().accepts(&headers(&[(
            header::REFERER,
            "https://evil.example/ewelists.com"
        )])));
        assert!(!site().accepts(&headers(&[(header::REFERER, "not a url")])));
    }

    #[test]
    fn origin_wins_over_referer_and_neither_is_refused() {
        assert!(!site().accepts(&headers(&[
            (header::ORIGIN, "https://evil.example"),
            (header::REFERER, "https://ewelists.com/"),
        ])));
        assert!(!site().accepts(&HeaderMap::new()));
    }

    #[test]
    fn a_local_site_keeps_its_port() {
        let local = SiteOrigin::of(&Url::parse("http://localhost:3000").unwrap());
        assert!(local.accepts(&headers(&[(header::ORIGIN, "http://localhost:3000")])));
        assert!(!local.accepts(&headers(&[(header::ORIGIN, "http://localhost:3001")])));
    }
}
