//! Email addresses: a deliberately plain subset of RFC 5321, lower-cased.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum EmailError {
    #[error("Please enter an email address.")]
    Empty,
    #[error("The email address must be at most {max} characters.")]
    TooLong { max: usize },
    #[error("The email address must contain exactly one @, like name@example.com.")]
    NotOneAt,
    #[error("The part of the email address before the @ is not valid.")]
    InvalidLocalPart,
    #[error("The part of the email address after the @ must be a domain, like example.com.")]
    InvalidDomain,
}

/// A valid, trimmed, lower-case email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Most characters in an address.
    pub const MAX_CHARS: usize = 254;
    const MAX_LOCAL: usize = 64;
    const MAX_LABEL: usize = 63;

    /// Trims, lower-cases and checks an address.
    pub fn parse(s: &str) -> Result<Email, EmailError> {
        let s = s.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(EmailError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if s.chars().count() < 3 {
            return Err(EmailError::NotOneAt);
        }
        let (local, domain) = match s.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::NotOneAt),
        };
        if !valid_local(local) {
            return Err(EmailError::InvalidLocalPart);
        }
        if !valid_domain(domain) {
            return Err(EmailError::InvalidDomain);
        }
        Ok(Email(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The canonical mailbox this address delivers to, to spot one person using two spellings.
    ///
    /// Gmail ignores dots and `+suffix`es and treats googlemail.com as gmail.com; other
    /// providers differ, so their addresses are kept as they are.
    pub fn mailbox_key(&self) -> String {
        let Some((local, domain)) = self.0.split_once('@') else {
            return self.0.clone();
        };
        if domain == "gmail.com" || domain == "googlemail.com" {
            let base = local.split('+').next().unwrap_or(local);
            format!("{}@gmail.com", base.replace('.', ""))
        } else {
            self.0.clone()
        }
    }

    /// Whether both addresses deliver to the same mailbox (see [`Email::mailbox_key`]).
    pub fn same_mailbox(&self, other: &Email) -> bool {
        self.mailbox_key() == other.mailbox_key()
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= Email::MAX_LOCAL
        && local
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(last) = labels.last() else {
        return false;
    };
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= Email::MAX_LABEL
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let tld_ok = (last.len() >= 2 && last.chars().all(|c| c.is_ascii_lowercase()))
        || last.starts_with("xn--");
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, EmailError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, EmailError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            email("  Ann.Lee@Example.COM ").as_str(),
            "ann.lee@example.com"
        );
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.co.uk",
            "o'neil@example.ie",
            "x_y-z@a-b.example",
            "weird!#$%&'*/=?^_`{|}~-@example.com",
            "user@xn--bcher-kva.xn--p1ai",
            "user@123.example.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(email("a@b.co").domain(), "b.co");
    }

    #[test]
    fn refusals() {
        use EmailError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("ab", NotOneAt),
            ("no-at.example.com", NotOneAt),
            ("a@b@example.com", NotOneAt),
            ("@example.com", InvalidLocalPart),
            (".ann@example.com", InvalidLocalPart),
            ("ann.@example.com", InvalidLocalPart),
            ("an..n@example.com", InvalidLocalPart),
            ("an n@example.com", InvalidLocalPart),
            ("ann(x)@example.com", InvalidLocalPart),
            ("ännä@example.com", InvalidLocalPart),
            ("ann@", InvalidDomain),
            ("ann@localhost", InvalidDomain),
            ("ann@example.c", InvalidDomain),
            ("ann@example.c0m", InvalidDomain),
            ("ann@example..com", InvalidDomain),
            ("ann@.example.com", InvalidDomain),
            ("ann@example.com.", InvalidDomain),
            ("ann@-example.com", InvalidDomain),
            ("ann@example-.com", InvalidDomain),
            ("ann@exa_mple.com", InvalidDomain),
            ("ann@exämple.com", InvalidDomain),
            ("ann@example.123", InvalidDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("a{local64}@example.com")),
            Err(EmailError::InvalidLocalPart)
        );
        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("a@b{label63}.com")),
            Err(EmailError::InvalidDomain)
        );
        // 254 characters in all is fine, 255 is not.
        let domain = format!("{0}.{0}.{0}.{1}.com", "c".repeat(63), "c".repeat(56));
        let at_max = format!("a@{domain}");
        assert_eq!(at_max.len(), 254);
        assert!(Email::parse(&at_max).is_ok());
        assert_eq!(
            Email::parse(&format!("aa@{domain}")),
            Err(EmailError::TooLong { max: 254 })
        );
        assert_eq!(
            EmailError::TooLong { max: 254 }.to_string(),
            "The email address must be at most 254 characters."
        );
    }

    #[test]
    fn gmail_mailboxes_ignore_dots_and_suffixes() {
        let a = email("Ann.Lee+gifts@googlemail.com");
        assert_eq!(a.mailbox_key(), "annlee@gmail.com");
        assert!(a.same_mailbox(&email("annlee@gmail.com")));
        assert!(a.same_mailbox(&email("a.n.n.l.e.e@gmail.com")));
        assert!(!a.same_mailbox(&email("annlee2@gmail.com")));
    }

    #[test]
    fn other_mailboxes_are_kept_as_is() {
        let a = email("ann.lee+x@example.com");
        assert_eq!(a.mailbox_key(), "ann.lee+x@example.com");
        assert!(!a.same_mailbox(&email("annlee@example.com")));
        assert!(a.same_mailbox(&email("ANN.LEE+x@example.com")));
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let a = email("a@b.co");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"a@b.co\"");
        assert_eq!(serde_json::from_str::<Email>("\"A@B.CO\"").unwrap(), a);
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = Email::parse(&s).map(|e| e.mailbox_key());
        }

        #[test]
        fn round_trips(s in "[A-Za-z0-9.+_-]{1,20}@[a-z0-9.-]{1,20}\\.[a-zA-Z]{2,4}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(&format!("{e}")), Ok(e.clone()));
                prop_assert!(e.same_mailbox(&e));
            }
        }
    }
}
