//! Doing a request once: a form posted twice (a double press, a retry after a lost answer)
//! takes effect once, and the second post gets the first one's outcome.
//!
//! The browser holds a [`OnceKey`] for the form it was shown (a cookie the server sets with the
//! page). A request's [`OnceRequest`] is derived from that key, the action and the request's
//! input, so the same post again finds the same record, and a different post (another gift,
//! another quantity, a later page) does not. The record's id is a hash: the key itself is never
//! stored. An outcome that is a capability (a reservation's token) is stored sealed with a pad
//! only the key can make again, so reading the table does not give it away.
//!
//! A request that makes something new (a list, a gift) needs no record: the new thing's id is
//! derived from the request ([`OnceRequest::list_id`], [`OnceRequest::gift_id`]), so the same
//! request again finds it already made.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::ids::base64url;
use crate::{GiftId, ListId, ReservationToken};

/// How long a request's record is kept: a retry comes within minutes.
pub const KEPT_FOR: time::Duration = time::Duration::hours(1);

/// The key a browser holds for the forms of one page it was shown: 16 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct OnceKey([u8; 16]);

impl OnceKey {
    /// A new key from the operating system's CSPRNG.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// Reads a key as [`fmt::Display`] writes it (22 base64url characters).
    pub fn parse(text: &str) -> Option<Self> {
        base64url::decode::<16>(text).map(Self)
    }

    /// The record of `action` asked with `input` (every field that decides what it does).
    pub fn request(&self, action: &str, input: &[&str]) -> OnceRequest {
        let mut hash = Sha256::new();
        hash.update(b"ewelists once\0");
        hash.update(self.0);
        for part in std::iter::once(action).chain(input.iter().copied()) {
            // Length-prefixed, so no two inputs run together into the same bytes.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest: [u8; 32] = hash.finalize().into();
        let pad: [u8; 32] = Sha256::new()
            .chain_update(b"ewelists once pad\0")
            .chain_update(self.0)
            .chain_update(digest)
            .finalize()
            .into();
        OnceRequest {
            id: base64url::encode(&digest),
            pad,
        }
    }
}

impl fmt::Display for OnceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64url::encode(&self.0))
    }
}

impl fmt::Debug for OnceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnceKey(…)")
    }
}

/// One request, to be done once: its record's id and the pad that seals its outcome.
#[derive(Clone, PartialEq, Eq)]
pub struct OnceRequest {
    id: String,
    pad: [u8; 32],
}

impl OnceRequest {
    /// The record's id (43 base64url characters; says nothing about the key or the input).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id of the list this request makes (as unguessable as a generated one: it comes from
    /// the browser's secret key).
    pub fn list_id(&self) -> ListId {
        ListId::from_bytes(self.derived(b"list"))
    }

    /// The id of the gift this request adds.
    pub fn gift_id(&self) -> GiftId {
        GiftId::from_bytes(self.derived(b"gift"))
    }

    fn derived(&self, what: &[u8]) -> [u8; 16] {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(b"ewelists once id\0")
            .chain_update(what)
            .chain_update(self.pad)
            .finalize()
            .into();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        id
    }

    /// A reservation token's secret, sealed for the record.
    pub fn seal(&self, token: &ReservationToken) -> String {
        base64url::encode(&xor(token.secret(), self.pad))
    }

    /// The token a record holds, given the list it is on; `None` when `sealed` is not one.
    pub fn unseal(&self, list_id: ListId, sealed: &str) -> Option<ReservationToken> {
        let secret = base64url::decode::<32>(sealed)?;
        Some(ReservationToken::from_parts(list_id, xor(secret, self.pad)))
    }
}

impl fmt::Debug for OnceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OnceRequest({})", self.id)
    }
}

fn xor(mut bytes: [u8; 32], pad: [u8; 32]) -> [u8; 32] {
    for (b, p) in bytes.iter_mut().zip(pad) {
        *b ^= p;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_post_finds_the_same_record_and_any_other_does_not() {
        let key = OnceKey::generate();
        let first = key.request("reserve", &["list", "gift", "ann@example.com", "2"]);
        assert_eq!(
            first,
            key.request("reserve", &["list", "gift", "ann@example.com", "2"])
        );
        for other in [
            key.request("reserve", &["list", "gift", "ann@example.com", "1"]),
            key.request("reserve", &["list", "gift2", "ann@example.com", "2"]),
            key.request("create_list", &["list", "gift", "ann@example.com", "2"]),
            // Parts do not run together.
            key.request("reserve", &["listgift", "", "ann@example.com", "2"]),
            OnceKey::generate().request("reserve", &["list", "gift", "ann@example.com", "2"]),
        ] {
            assert_ne!(first.id(), other.id());
        }
        assert_eq!(first.id().len(), 43);
        assert!(!format!("{first:?}{key:?}").contains(&key.to_string()));
    }

    #[test]
    fn what_a_request_makes_has_an_id_of_its_own_each_time() {
        let key = OnceKey::generate();
        let one = key.request("create_list", &["Mia's shower"]);
        assert_eq!(
            one.list_id(),
            key.request("create_list", &["Mia's shower"]).list_id()
        );
        assert_ne!(
            one.list_id(),
            key.request("create_list", &["Leo's"]).list_id()
        );
        assert_ne!(
            one.list_id(),
            OnceKey::generate()
                .request("create_list", &["Mia's shower"])
                .list_id()
        );
        assert_ne!(one.gift_id().as_str(), one.list_id().as_str());
    }

    #[test]
    fn a_key_reads_back_as_written_and_nothing_else_is_a_key() {
        let key = OnceKey::generate();
        assert_eq!(OnceKey::parse(&key.to_string()), Some(key));
        for bad in ["", "short", "AAAAAAAAAAAAAAAAAAAAA!", &"A".repeat(23)] {
            assert_eq!(OnceKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_sealed_token_opens_only_with_its_own_request() {
        let list = ListId::generate();
        let token = ReservationToken::generate(list);
        let key = OnceKey::generate();
        let request = key.request("reserve", &["x"]);
        let sealed = request.seal(&token);
        assert!(!sealed.contains(&token.to_string()[23..]));
        assert_eq!(request.unseal(list, &sealed), Some(token.clone()));
        let stranger = OnceKey::generate().request("reserve", &["x"]);
        assert_ne!(stranger.unseal(list, &sealed), Some(token));
        assert_eq!(request.unseal(list, "not sealed"), None);
    }
}
