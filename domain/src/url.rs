//! Web links: absolute http(s) URLs with a host and no credentials.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UrlError {
    #[error("Please enter a link.")]
    Empty,
    #[error("The link must be at most {max} characters.")]
    TooLong { max: usize },
    #[error("This doesn't look like a web link; it should start with https://.")]
    Invalid,
    #[error("The link must start with http:// or https://.")]
    UnsupportedScheme,
    #[error("The link must include a website address.")]
    MissingHost,
    #[error("The link must not contain a user name or password.")]
    HasCredentials,
}

/// An absolute `http` or `https` URL with a host and no user name or password.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpUrl(::url::Url);

impl HttpUrl {
    /// Most characters, both as given and once normalised.
    pub const MAX_CHARS: usize = 2048;

    /// Trims and parses a link; only http and https are accepted.
    pub fn parse(s: &str) -> Result<HttpUrl, UrlError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(UrlError::Empty);
        }
        let too_long = UrlError::TooLong {
            max: Self::MAX_CHARS,
        };
        if s.chars().count() > Self::MAX_CHARS {
            return Err(too_long);
        }
        let url = ::url::Url::parse(s).map_err(|_| UrlError::Invalid)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::UnsupportedScheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(UrlError::MissingHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::HasCredentials);
        }
        // Percent-encoding may have made it longer.
        if url.as_str().len() > Self::MAX_CHARS {
            return Err(too_long);
        }
        Ok(HttpUrl(url))
    }

    /// The normalised link.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host name, lower-cased, e.g. `www.example.com`.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// The parsed URL.
    pub fn inner(&self) -> &::url::Url {
        &self.0
    }

    /// The first http(s) link in pasted text, such as a shop's "share" text ("Look at this!
    /// https://shop.example/p/1."). Punctuation that ends a sentence or closes a bracket is not
    /// part of the link.
    pub fn find_in(text: &str) -> Option<HttpUrl> {
        text.split_whitespace()
            .filter_map(|word| {
                let start = word.find("https://").or_else(|| word.find("http://"))?;
                let link = word[start..]
                    .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '>', '"', '\'']);
                HttpUrl::parse(link).ok()
            })
            .next()
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpUrl({:?})", self.as_str())
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for HttpUrl {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::str::FromStr for HttpUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, UrlError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = UrlError;
    fn try_from(s: String) -> Result<Self, UrlError> {
        Self::parse(&s)
    }
}

impl From<HttpUrl> for String {
    fn from(url: HttpUrl) -> String {
        url.0.into()
    }
}

#[cfg(test)]
mod find_tests {
    use super::*;

    #[test]
    fn finds_the_first_link_in_shared_text() {
        let found = |t: &str| HttpUrl::find_in(t).map(|u| u.as_str().to_owned());
        assert_eq!(
            found("https://shop.example/p/1").as_deref(),
            Some("https://shop.example/p/1")
        );
        assert_eq!(
            found("Look at this! https://shop.example/p/1?x=2. And http://other.example")
                .as_deref(),
            Some("https://shop.example/p/1?x=2")
        );
        assert_eq!(
            found("(see https://shop.example/a)").as_deref(),
            Some("https://shop.example/a")
        );
        assert_eq!(
            found("Cot:https://shop.example/cot").as_deref(),
            Some("https://shop.example/cot")
        );
        assert_eq!(found("no link here"), None);
        assert_eq!(found("ftp://files.example/x javascript:alert(1)"), None);
        assert_eq!(found(""), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_web_links() {
        let u = HttpUrl::parse("  https://WWW.Example.com/a/b?x=1#top ").unwrap();
        assert_eq!(u.as_str(), "https://www.example.com/a/b?x=1#top");
        assert_eq!(u.host(), "www.example.com");
        assert_eq!(u.inner().path(), "/a/b");
        assert_eq!(
            HttpUrl::parse("http://example.com").unwrap().to_string(),
            "http://example.com/"
        );
        assert!(HttpUrl::parse("http://127.0.0.1:8080/x").is_ok());
        assert!(HttpUrl::parse("https://bücher.de/").is_ok());
    }

    #[test]
    fn refusals() {
        use UrlError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("example.com/page", Invalid),
            ("https://", Invalid),
            ("http://exa mple.com", Invalid),
            ("ftp://example.com/file", UnsupportedScheme),
            ("javascript:alert(1)", UnsupportedScheme),
            ("mailto:a@b.co", UnsupportedScheme),
            ("file:///etc/passwd", UnsupportedScheme),
            ("data:text/html,hi", UnsupportedScheme),
            ("https://user@example.com/", HasCredentials),
            ("https://user:pw@example.com/", HasCredentials),
            ("https://:pw@example.com/", HasCredentials),
        ];
        for (input, expected) in cases {
            assert_eq!(HttpUrl::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn length_limit() {
        let base = "https://example.com/";
        let ok = format!("{base}{}", "a".repeat(2048 - base.len()));
        assert!(HttpUrl::parse(&ok).is_ok());
        let long = format!("{ok}a");
        assert_eq!(HttpUrl::parse(&long), Err(UrlError::TooLong { max: 2048 }));
        // Short as typed, too long once percent-encoded.
        let spaces = format!("{base}{}", "é".repeat(1000));
        assert_eq!(
            HttpUrl::parse(&spaces),
            Err(UrlError::TooLong { max: 2048 })
        );
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let u = HttpUrl::parse("https://example.com/x").unwrap();
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, "\"https://example.com/x\"");
        assert_eq!(serde_json::from_str::<HttpUrl>(&json).unwrap(), u);
        assert!(serde_json::from_str::<HttpUrl>("\"ftp://example.com\"").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = HttpUrl::parse(&s).map(|u| u.host().len());
        }

        #[test]
        fn never_panics_on_url_like_input(s in "(https?://)?[a-zA-Z0-9.:@/?#%&=é -]{0,40}") {
            let _ = HttpUrl::parse(&s);
        }

        #[test]
        fn round_trips(
            scheme in "https?",
            host in "[a-zA-Z0-9-]{1,10}(\\.[a-z]{2,5}){1,2}",
            path in "(/[a-zA-Z0-9._~%-]{0,8}){0,4}",
            query in "(\\?[a-z0-9=&]{0,10})?",
        ) {
            if let Ok(u) = HttpUrl::parse(&format!("{scheme}://{host}{path}{query}")) {
                prop_assert_eq!(HttpUrl::parse(&format!("{u}")), Ok(u.clone()));
            }
        }
    }
}
