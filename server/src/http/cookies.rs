//! The two cookies the site sets: the session, and the short-lived sign-in binding.
//!
//! Both are `HttpOnly`, `SameSite=Lax` (the sign-in callback is a top-level navigation from the
//! hosted UI, which Lax allows), `Path=/`. On https they are also `Secure` and carry the
//! `__Host-` prefix, which browsers only accept from a secure origin without a `Domain`. On
//! plain `http://localhost` (local and test) the prefix and `Secure` are dropped, since the
//! browser would refuse them.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use time::Duration;

/// Names and flags of the site's cookies.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The session id.
    Session,
    /// The `state` of a sign-in in progress, binding it to this browser.
    SignIn,
}

impl Cookies {
    /// Cookies for a site served over https (`secure`) or plain http.
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    pub fn name(&self, kind: Kind) -> &'static str {
        match (kind, self.secure) {
            (Kind::Session, true) => "__Host-ewelists-session",
            (Kind::Session, false) => "ewelists-session",
            (Kind::SignIn, true) => "__Host-ewelists-sign-in",
            (Kind::SignIn, false) => "ewelists-sign-in",
        }
    }

    /// The `Set-Cookie` value that stores `value` for `max_age`.
    pub fn set(&self, kind: Kind, value: &str, max_age: Duration) -> HeaderValue {
        let cookie = Cookie::build((self.name(kind), value.to_owned()))
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(max_age)
            .build();
        header_value(&cookie)
    }

    /// The `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, kind: Kind) -> HeaderValue {
        self.set(kind, "", Duration::ZERO)
    }

    /// The cookie's value in the request, if it has one. With several of that name (which
    /// only a misbehaving client sends), the first counts.
    pub fn read(&self, headers: &HeaderMap, kind: Kind) -> Option<String> {
        let name = self.name(kind);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value().to_owned())
    }
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // A cookie built from our names and base64url values is always a valid header value.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_cookies_have_the_host_prefix_and_every_flag() {
        let cookies = Cookies::new(true);
        let value = cookies.set(Kind::Session, "abc", Duration::days(30));
        let text = value.to_str().unwrap();
        assert!(text.starts_with("__Host-ewelists-session=abc;"), "{text}");
        for flag in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=2592000",
        ] {
            assert!(text.contains(flag), "{flag} missing from {text}");
        }
        assert!(!text.contains("Domain"), "{text}");
    }

    #[test]
    fn local_http_cookies_drop_the_prefix_and_secure_only() {
        let cookies = Cookies::new(false);
        let text = cookies.set(Kind::SignIn, "xyz", Duration::minutes(10));
        let text = text.to_str().unwrap();
        assert!(text.starts_with("ewelists-sign-in=xyz;"), "{text}");
        assert!(!text.contains("Secure"), "{text}");
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax"),
            "{text}"
        );
    }

    #[test]
    fn clearing_expires_the_cookie_now() {
        let text = Cookies::new(true).clear(Kind::Session);
        let text = text.to_str().unwrap();
        assert!(text.starts_with("__Host-ewelists-session=;"), "{text}");
        assert!(text.contains("Max-Age=0"), "{text}");
    }

    #[test]
    fn reads_its_own_cookie_among_others() {
        let cookies = Cookies::new(false);
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; ewelists-session=s1"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("ewelists-sign-in=s2"),
        );
        assert_eq!(cookies.read(&headers, Kind::Session).as_deref(), Some("s1"));
        assert_eq!(cookies.read(&headers, Kind::SignIn).as_deref(), Some("s2"));
        // The secure names are different cookies.
        assert_eq!(Cookies::new(true).read(&headers, Kind::Session), None);
    }
}
