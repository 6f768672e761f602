//! Identifiers and the guest's reservation capability.
//!
//! Identifiers are 16 random bytes written as 22 base64url characters (no padding), so they
//! are safe in URLs and cannot be guessed. A [`ReservationToken`] is what a guest holds to
//! change their reservation; only its SHA-256 hash (in a [`ReservationKey`]) is ever stored.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What kind of identifier could not be read, named in [`IdError`]'s message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdKind {
    List,
    Gift,
    User,
    CatalogueProduct,
    ReservationToken,
    TokenHash,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::List => "list link",
            IdKind::Gift => "gift link",
            IdKind::User => "user ID",
            IdKind::CatalogueProduct => "product ID",
            IdKind::ReservationToken => "reservation link",
            IdKind::TokenHash => "reservation key",
        })
    }
}

/// An identifier or token that is not well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("This {kind} is not valid. Please check that it was copied in full.")]
pub struct IdError {
    /// What was being read.
    pub kind: IdKind,
}

/// base64url without padding (RFC 4648 §5), strict: only canonical encodings decode.
pub(crate) mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4));
        for chunk in bytes.chunks(3) {
            let b = [
                chunk.first().copied().unwrap_or(0),
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            // chunk.len() + 1 characters carry chunk.len() bytes.
            for i in 0..=chunk.len() {
                let index = (n >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(ALPHABET[index as usize]));
            }
        }
        out
    }

    fn value(c: u8) -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        Some(u32::from(v))
    }

    /// Decodes exactly `N` bytes; `None` for any other length, character or non-canonical end.
    pub fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
        if s.len() != N.div_ceil(3) * 4 - (3 - N % 3) % 3 {
            return None;
        }
        let mut out = [0u8; N];
        let mut written = 0;
        for chunk in s.as_bytes().chunks(4) {
            let mut n = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                n |= value(c)? << (18 - 6 * i);
            }
            for i in 0..chunk.len().saturating_sub(1) {
                *out.get_mut(written)? = (n >> (16 - 8 * i)) as u8;
                written += 1;
            }
        }
        // Rejects non-zero padding bits, so each value has exactly one spelling.
        (written == N && encode(&out) == s).then_some(out)
    }
}

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name([u8; 22]);

        impl $name {
            /// A new identifier from 16 bytes of the operating system's CSPRNG.
            #[cfg(not(target_arch = "wasm32"))]
            pub fn generate() -> Self {
                Self::from_bytes(rand::random::<[u8; 16]>())
            }

            pub(crate) fn from_bytes(bytes: [u8; 16]) -> Self {
                let mut text = [0u8; 22];
                for (slot, b) in text.iter_mut().zip(base64url::encode(&bytes).bytes()) {
                    *slot = b;
                }
                Self(text)
            }

            /// Reads the 22-character form.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                base64url::decode::<16>(s)
                    .map(Self::from_bytes)
                    .ok_or(IdError { kind: $kind })
            }

            /// The 22-character form.
            pub fn as_str(&self) -> &str {
                // Always ASCII, so this never falls back.
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.as_str().to_owned()
            }
        }
    };
}

random_id!(
    /// Identifies a gift list; appears in the list's share link.
    ListId, IdKind::List
);
random_id!(
    /// Identifies a gift on a list.
    GiftId, IdKind::Gift
);
random_id!(
    /// Identifies a signed-in user.
    UserId, IdKind::User
);
random_id!(
    /// Identifies a product in the shared catalogue.
    CatalogueProductId, IdKind::CatalogueProduct
);

/// The guest's capability for one reservation, sent to them in a link: `<list_id>.<secret>`.
///
/// Never store it: store [`ReservationToken::key`]. Its `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReservationToken {
    list_id: ListId,
    secret: [u8; 32],
}

impl ReservationToken {
    /// A new token for a reservation on `list_id`, with 32 bytes from the CSPRNG.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn generate(list_id: ListId) -> Self {
        Self {
            list_id,
            secret: rand::random(),
        }
    }

    /// The token of `list_id` whose secret is `secret` (as [`Self::secret`] gave it).
    pub fn from_parts(list_id: ListId, secret: [u8; 32]) -> Self {
        Self { list_id, secret }
    }

    /// The secret part, for sealing it ([`crate::once::OnceRequest::seal`]); never stored as is.
    pub fn secret(&self) -> [u8; 32] {
        self.secret
    }

    /// Reads `<list_id>.<43-character secret>`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let error = IdError {
            kind: IdKind::ReservationToken,
        };
        let (list, secret) = s.trim().split_once('.').ok_or(error)?;
        Ok(Self {
            list_id: ListId::parse(list).map_err(|_| error)?,
            secret: base64url::decode::<32>(secret).ok_or(error)?,
        })
    }

    /// The list this reservation is on.
    pub fn list_id(&self) -> ListId {
        self.list_id
    }

    /// What is stored to recognise this token later.
    pub fn key(&self) -> ReservationKey {
        ReservationKey {
            list_id: self.list_id,
            hash: TokenHash::of(&self.secret),
        }
    }
}

impl fmt::Display for ReservationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.list_id, base64url::encode(&self.secret))
    }
}

impl fmt::Debug for ReservationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReservationToken({}.***)", self.list_id)
    }
}

impl std::str::FromStr for ReservationToken {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ReservationToken {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<ReservationToken> for String {
    fn from(token: ReservationToken) -> String {
        token.to_string()
    }
}

/// SHA-256 of a reservation token's secret, as 43 base64url characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenHash(String);

impl TokenHash {
    fn of(secret: &[u8; 32]) -> Self {
        Self(base64url::encode(&Sha256::digest(secret)))
    }

    /// Reads the 43-character form.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        base64url::decode::<32>(s)
            .map(|_| Self(s.to_owned()))
            .ok_or(IdError {
                kind: IdKind::TokenHash,
            })
    }

    /// The 43-character form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TokenHash {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<TokenHash> for String {
    fn from(hash: TokenHash) -> String {
        hash.0
    }
}

/// How a reservation is stored and looked up: its list and its token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReservationKey {
    pub list_id: ListId,
    pub hash: TokenHash,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        // RFC 4648 §10, without padding.
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64url::encode(plain.as_bytes()), encoded);
        }
        assert_eq!(base64url::encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url::decode::<2>("-_8"), Some([0xfb, 0xff]));
        assert_eq!(base64url::decode::<3>("Zm9v"), Some(*b"foo"));
        assert_eq!(base64url::decode::<3>("Zm9"), None);
        assert_eq!(base64url::decode::<2>("Zm9"), None);
        // Padding bits must be zero: "Zm9" is canonical for "fo", "Zm-" is not.
        assert_eq!(base64url::decode::<2>("Zm-"), None);
    }

    #[test]
    fn ids_parse_their_own_text() {
        let text = "AAAAAAAAAAAAAAAAAAAAAA";
        let id = ListId::parse(text).unwrap();
        assert_eq!(id.as_str(), text);
        assert_eq!(id.to_string(), text);
        assert_eq!(format!("{id:?}"), format!("ListId({text})"));
        assert!(GiftId::parse("abcdefghijklmnopqrstuw").is_ok());
        assert!(UserId::parse("-_-_-_-_-_-_-_-_-_-_-w").is_ok());
    }

    #[test]
    fn ids_refuse_malformed_text() {
        for bad in [
            "",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAA=",
            "AAAAAAAAAAAAAAAAAAAA+A",
            "AAAAAAAAAAAAAAAAAAAAA/",
            " AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAé",
            // Non-zero padding bits: the last character must be one of A, Q, g, w.
            "AAAAAAAAAAAAAAAAAAAAAB",
            "AAAAAAAAAAAAAAAAAAAAA_",
        ] {
            assert_eq!(
                CatalogueProductId::parse(bad),
                Err(IdError {
                    kind: IdKind::CatalogueProduct
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            ListId::parse("x").unwrap_err().to_string(),
            "This list link is not valid. Please check that it was copied in full."
        );
    }

    #[test]
    fn generated_ids_are_distinct_and_parse() {
        let a = ListId::generate();
        let b = ListId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert_eq!(ListId::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn ids_serialise_as_strings() {
        let id = GiftId::generate();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<GiftId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<GiftId>("\"short\"").is_err());
    }

    #[test]
    fn tokens_round_trip_and_hide_their_secret() {
        let list = ListId::generate();
        let token = ReservationToken::generate(list);
        let text = token.to_string();
        assert_eq!(text.len(), 22 + 1 + 43);
        assert!(text.starts_with(&format!("{list}.")));
        assert_eq!(ReservationToken::parse(&text), Ok(token.clone()));
        assert_eq!(token.list_id(), list);
        assert_eq!(
            format!("{token:?}"),
            format!("ReservationToken({list}.***)")
        );
        let secret = text.split_once('.').unwrap().1;
        assert!(!format!("{:?}", token.key()).contains(secret));
    }

    #[test]
    fn token_refusals() {
        let list = "AAAAAAAAAAAAAAAAAAAAAA";
        let secret = "A".repeat(43);
        assert!(ReservationToken::parse(&format!("{list}.{secret}")).is_ok());
        for bad in [
            String::new(),
            list.to_owned(),
            format!("{list}{secret}"),
            format!("{list}.{}", "A".repeat(42)),
            format!("{list}.{}", "A".repeat(44)),
            format!("{list}.{}B", "A".repeat(42)),
            format!("{list}..{secret}"),
            format!("x.{secret}"),
        ] {
            assert_eq!(
                ReservationToken::parse(&bad),
                Err(IdError {
                    kind: IdKind::ReservationToken
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn key_is_sha256_of_the_secret() {
        let list = ListId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        let token = ReservationToken::parse(&format!("{list}.{}", "A".repeat(43))).unwrap();
        let key = token.key();
        assert_eq!(key.list_id, list);
        // SHA-256 of 32 zero bytes.
        assert_eq!(
            key.hash.as_str(),
            "Zmh6rfhivXdsj8GLjp-OIAiXFIVu4jOzkCpZHQ1fKSU"
        );
        assert_eq!(TokenHash::parse(key.hash.as_str()), Ok(key.hash.clone()));
        assert!(TokenHash::parse("short").is_err());
        let other = ReservationToken::generate(list);
        assert_ne!(other.key(), key);
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = ListId::parse(&s);
            let _ = ReservationToken::parse(&s);
            let _ = TokenHash::parse(&s);
        }

        #[test]
        fn base64url_round_trips(bytes in any::<[u8; 16]>(), secret in any::<[u8; 32]>()) {
            let id = ListId::from_bytes(bytes);
            prop_assert_eq!(ListId::parse(id.as_str()), Ok(id));
            prop_assert_eq!(base64url::decode::<16>(id.as_str()), Some(bytes));
            let token = ReservationToken { list_id: id, secret };
            prop_assert_eq!(ReservationToken::parse(&token.to_string()), Ok(token));
        }

        #[test]
        fn near_misses_never_panic(s in "[A-Za-z0-9_=+/-]{20,24}(\\.[A-Za-z0-9_-]{40,45})?") {
            let _ = ListId::parse(&s);
            let _ = ReservationToken::parse(&s);
        }
    }
}
