//! The cookies the site sets itself: the session, the short-lived sign-in binding, and the key
//! of a page's forms (`domain::once`). (The guest's remembered reservations have their own
//! signed cookie: [`Remembered`].)
//!
//! All are `HttpOnly`, `SameSite=Lax` (the sign-in callback is a top-level navigation from the
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
    /// The key of the forms of the page last shown ([`crate::http::form_key`]).
    FormKey,
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
            (Kind::FormKey, true) => "__Host-ewelists-form",
            (Kind::FormKey, false) => "ewelists-form",
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

/// The guest's remembered reservation tokens: a signed cookie (HMAC-SHA256 with the server's
/// cookie key) holding the tokens only, never an email address. It is `HttpOnly`, lasts a
/// year and keeps the newest [`Remembered::MAX_TOKENS`].
pub struct Remembered {
    key: cookie::Key,
    cookies: Cookies,
}

impl Remembered {
    /// More than this many, and the oldest are forgotten (the cookie stays under 2 KB).
    pub const MAX_TOKENS: usize = 20;
    const NAME_SECURE: &'static str = "__Host-ewelists-reservations";
    const NAME_PLAIN: &'static str = "ewelists-reservations";

    /// Signs with a key derived from `secret` (at least 32 bytes).
    pub fn new(secret: &[u8], cookies: Cookies) -> Self {
        Self {
            key: cookie::Key::derive_from(secret),
            cookies,
        }
    }

    fn name(&self) -> &'static str {
        if self.cookies.secure {
            Self::NAME_SECURE
        } else {
            Self::NAME_PLAIN
        }
    }
}

impl app::ports::RememberedReservations for Remembered {
    fn read(&self, headers: &HeaderMap) -> Vec<domain::ReservationToken> {
        let name = self.name();
        let mut jar = cookie::CookieJar::new();
        for cookie in headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .filter(|cookie| cookie.name() == name)
        {
            jar.add_original(cookie.into_owned());
        }
        jar.signed(&self.key)
            .get(name)
            .map(|cookie| {
                cookie
                    .value()
                    .split('~')
                    .filter_map(|token| domain::ReservationToken::parse(token).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn write(&self, tokens: &[domain::ReservationToken]) -> HeaderValue {
        let newest = &tokens[tokens.len().saturating_sub(Self::MAX_TOKENS)..];
        let value = newest
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("~");
        let mut jar = cookie::CookieJar::new();
        jar.signed_mut(&self.key).add(
            Cookie::build((self.name(), value))
                .http_only(true)
                .secure(self.cookies.secure)
                .same_site(SameSite::Lax)
                .path("/")
                .max_age(Duration::days(365))
                .build(),
        );
        jar.get(self.name())
            .map(header_value)
            .unwrap_or_else(|| HeaderValue::from_static(""))
    }
}

#[cfg(test)]
mod remembered_tests {
    use super::*;
    use app::ports::RememberedReservations;
    use domain::{ListId, ReservationToken};

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        headers
    }

    #[test]
    fn tokens_round_trip_and_only_the_newest_are_kept() {
        let jar = Remembered::new(&[7; 32], Cookies::new(false));
        let list = ListId::generate();
        let tokens: Vec<_> = (0..25).map(|_| ReservationToken::generate(list)).collect();
        let set = jar.write(&tokens);
        let text = set.to_str().unwrap();
        assert!(
            text.starts_with("ewelists-reservations=") && text.contains("HttpOnly"),
            "{text}"
        );
        assert!(!text.contains('@'), "no email in the cookie");
        let read = jar.read(&request_with(&set));
        assert_eq!(read, tokens[5..].to_vec());
    }

    #[test]
    fn a_tampered_or_foreign_cookie_reads_as_nothing() {
        let jar = Remembered::new(&[7; 32], Cookies::new(false));
        let token = ReservationToken::generate(ListId::generate());
        let set = jar.write(std::slice::from_ref(&token));
        // Signed with another key.
        let other = Remembered::new(&[8; 32], Cookies::new(false));
        assert!(other.read(&request_with(&set)).is_empty());
        // Unsigned value.
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("ewelists-reservations={token}")).unwrap(),
        );
        assert!(jar.read(&headers).is_empty());
    }
}
