//! [`Secret`]: 256 random bits that a browser holds (a session id, a sign-in `state`) and
//! whose hash is all the table keeps.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// 32 bytes from the operating system's CSPRNG, written as 43 base64url characters.
///
/// Only [`Secret::hash`] is ever stored, so a copy of the table cannot be used to sign in.
/// `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret([u8; 32]);

impl Secret {
    /// A new secret.
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// Reads the 43-character form (as found in a cookie); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        // Only the canonical spelling is accepted, so each secret has one form.
        let secret = Self(bytes);
        (secret.expose() == text).then_some(secret)
    }

    /// The value, for the cookie or the URL that carries it. Never log it.
    pub fn expose(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// SHA-256 of the value, as 43 base64url characters: what the table stores.
    pub fn hash(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text() {
        let secret = Secret::generate();
        let text = secret.expose();
        assert_eq!(text.len(), 43);
        assert_eq!(Secret::parse(&text), Some(secret));
    }

    #[test]
    fn two_secrets_differ() {
        assert_ne!(Secret::generate(), Secret::generate());
    }

    #[test]
    fn refuses_anything_but_the_canonical_form() {
        let text = Secret::generate().expose();
        assert_eq!(Secret::parse(""), None);
        assert_eq!(Secret::parse(&text[..42]), None);
        assert_eq!(Secret::parse(&format!("{text}A")), None);
        assert_eq!(Secret::parse(&format!("{}=", &text[..42])), None);
        assert_eq!(
            Secret::parse(&text.replace(char::is_alphanumeric, "+")),
            None
        );
        // The last character carries 2 padding bits: a non-zero one is another spelling.
        let mut bytes = text.into_bytes();
        let last = bytes.last_mut().unwrap();
        *last = if *last == b'B' { b'C' } else { b'B' };
        let other = String::from_utf8(bytes).unwrap();
        assert!(Secret::parse(&other).is_none_or(|s| s.expose() == other));
    }

    #[test]
    fn hash_is_stable_and_debug_hides_the_value() {
        let secret = Secret::generate();
        assert_eq!(secret.hash(), secret.clone().hash());
        assert_ne!(secret.hash(), secret.expose());
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
