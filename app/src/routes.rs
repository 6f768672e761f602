//! The site's addresses: which pages need sign-in, and where sign-in sends people back.
//!
//! Owner pages are guarded before rendering (by the server's session layer): a signed-out
//! visitor is sent to [`sign_in_href`] and comes back afterwards.

/// Where the sign-in flow starts (a plain link: it leaves the app for the hosted sign-in page).
pub const SIGN_IN_PATH: &str = "/auth/sign-in";
/// Where the sign-out form posts.
pub const SIGN_OUT_PATH: &str = "/auth/sign-out";
/// The page that explains a failed sign-in.
pub const SIGN_IN_PROBLEM_PATH: &str = "/sign-in/problem";

/// Whether the page at `path` is for signed-in people only: the account page and the owner's
/// list pages (`/lists`, `/lists/new`, `/lists/<id>/...`). A list's public page,
/// `/lists/<id>`, is open to everyone.
pub fn requires_sign_in(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        ["account", ..] | ["lists"] | ["lists", "new"] | ["lists", _, _, ..]
    )
}

/// A place on this site to go back to after signing in: a path (with its query), never
/// another site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTo(String);

impl ReturnTo {
    const MAX_LEN: usize = 1024;

    /// Accepts only a same-site path: it starts with one `/`, and has no backslash, no
    /// whitespace or control character, nothing a browser would read as another host
    /// (`//host`, `/\host`), and is not itself a sign-in address.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && raw.len() <= Self::MAX_LEN
            && !raw.contains('\\')
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !raw.starts_with("/auth/");
        ok.then(|| Self(raw.to_owned()))
    }

    /// The home page.
    pub fn home() -> Self {
        Self("/".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The link that signs in and then returns to `return_to` (or home, if it isn't a same-site
/// path).
pub fn sign_in_href(return_to: &str) -> String {
    let target = ReturnTo::parse(return_to).unwrap_or_else(ReturnTo::home);
    if target.as_str() == "/" {
        return SIGN_IN_PATH.to_owned();
    }
    format!(
        "{SIGN_IN_PATH}?return_to={}",
        encode_query_value(target.as_str())
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pages_need_sign_in_and_public_pages_do_not() {
        for path in [
            "/account",
            "/account/",
            "/lists",
            "/lists/",
            "/lists/new",
            "/lists/abc/edit",
            "/lists/abc/settings?tab=1",
        ] {
            assert!(requires_sign_in(path), "{path}");
        }
        for path in [
            "/",
            "/lists/abc",
            "/lists/abc?filter=available",
            "/reservations/abc.def",
            "/sign-in/problem",
            "/accounts-and-more",
            "/listsx",
        ] {
            assert!(!requires_sign_in(path), "{path}");
        }
    }

    #[test]
    fn return_to_is_a_path_on_this_site_only() {
        for good in ["/", "/account", "/lists/abc/edit?tab=gifts#top", "/a%20b"] {
            assert_eq!(ReturnTo::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "account",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/ok\r\nSet-Cookie: a=b",
            " /account",
            "/auth/sign-in",
            "/auth/callback?code=x",
            "javascript:alert(1)",
        ] {
            assert_eq!(ReturnTo::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ReturnTo::parse(&format!("/{}", "a".repeat(2000))), None);
    }

    #[test]
    fn sign_in_links_carry_the_way_back_encoded() {
        assert_eq!(sign_in_href("/"), "/auth/sign-in");
        assert_eq!(sign_in_href("/account"), "/auth/sign-in?return_to=/account");
        assert_eq!(
            sign_in_href("/lists/a%20b/edit?x=1&y=2"),
            "/auth/sign-in?return_to=/lists/a%2520b/edit%3Fx%3D1%26y%3D2"
        );
        // A path with a space is not one a browser sends: home instead.
        assert_eq!(sign_in_href("/lists/a b"), "/auth/sign-in");
        // Anything that isn't a same-site path falls back to home.
        assert_eq!(sign_in_href("https://evil.example/"), "/auth/sign-in");
        assert_eq!(sign_in_href("//evil.example"), "/auth/sign-in");
    }
}
