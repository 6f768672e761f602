//! Every key in the table: the partition and sort keys of each item, and the `gsi1` keys it is
//! found by. The only place that knows a key prefix (see "Keys" in `docs/data-model.md`).
//!
//! A new access pattern starts here: add its prefix to [`PK_PREFIXES`] or [`GSI1_PK_PREFIXES`]
//! (the tests check that no two can meet), and a builder for its keys.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::{CatalogueProductId, GiftId, ListId, ReservationKey, UserId};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::codec::{time_text, Item};
use super::schema::{PK, SK};

// ---- Partition keys (`pk`) ----

/// A list's partition: its meta item, gifts, reservations and active-reservation markers.
pub const LIST: &str = "LIST#";
/// A catalogue product.
pub const PRODUCT: &str = "PRODUCT#";
/// A user (an account).
pub const USER: &str = "USER#";
/// A sign-in identity (issuer and subject, hashed), pointing at its user.
pub const IDENTITY: &str = "IDENTITY#";
/// A verified mailbox, pointing at the user who first signed in with it.
pub const MAILBOX: &str = "MAILBOX#";
/// A session, under its id's hash.
pub const SESSION: &str = "SESSION#";
/// A pending sign-in, under its `state`'s hash.
pub const LOGIN: &str = "LOGIN#";
/// Never written: the health check reads it.
pub const HEALTH: &str = "HEALTH#";
/// A mail in the outbox, under its id.
pub const MAIL: &str = "MAIL#";
/// A mailbox that is never mailed again (a hard bounce or a complaint).
pub const SUPPRESSED: &str = "SUPPRESSED#";
/// A rate-limit counter: one per action, key and time window (hashed).
pub const LIMIT: &str = "LIMIT#";
/// The record of a request done once (`domain::once`), under the request's id.
pub const ONCE: &str = "ONCE#";
/// A message to the team from the contact page, under its id.
pub const CONTACT: &str = "CONTACT#";
/// One shard of the day-by-day counts (`KPI#<shard>`, a day per sort key): the counts are
/// spread over [`KPI_SHARDS`] items a day, so that writes at the same moment rarely meet.
pub const KPI: &str = "KPI#";
/// A product of the not-found queue, under the SHA-256 of its normalised link.
pub const NOT_FOUND: &str = "NOTFOUND#";
/// The audit trail of one month (`AUDIT#<yyyy-mm>`), newest last by sort key.
pub const AUDIT: &str = "AUDIT#";
/// The catalogue's listing: one small item per product (title, brand, link, retired), the
/// whole partition read by the editor's search.
pub const CATALOGUE: &str = "CATALOGUE#";

/// Every partition-key prefix. Each item kind has its own, and none starts another.
pub const PK_PREFIXES: &[&str] = &[
    LIST, PRODUCT, USER, IDENTITY, MAILBOX, SESSION, LOGIN, HEALTH, MAIL, SUPPRESSED, LIMIT, ONCE,
    CONTACT, KPI, NOT_FOUND, AUDIT, CATALOGUE,
];

/// How many items share one day's counts.
pub const KPI_SHARDS: u8 = 64;

// ---- Sort keys (`sk`) ----

/// A list's meta item.
pub const LIST_META: &str = "L";
/// Every sort key that the public page reads starts with this: the meta item and the gifts.
pub const LIST_PAGE: &str = "L";
/// Gifts, in a list's partition.
pub const GIFT: &str = "L#G#";
/// Reservations, in a list's partition (`R#<token hash>`).
pub const RESERVATION: &str = "R#";
/// The sort key of a catalogue product, and its `gsi1sk`.
pub const PRODUCT_ITEM: &str = "P";
pub const USER_ITEM: &str = "U";
pub const IDENTITY_ITEM: &str = "I";
pub const MAILBOX_ITEM: &str = "M";
pub const SESSION_ITEM: &str = "S";
pub const LOGIN_ITEM: &str = "P";
pub const MAIL_ITEM: &str = "O";
pub const SUPPRESSED_ITEM: &str = "X";
pub const LIMIT_ITEM: &str = "C";
pub const ONCE_ITEM: &str = "Q";
pub const CONTACT_ITEM: &str = "T";
pub const NOT_FOUND_ITEM: &str = "N";
/// A day's counts in a `KPI#` shard: `D#<yyyy-mm-dd>`.
pub const KPI_DAY: &str = "D#";

/// The sort-key prefixes inside a list's partition, apart from the meta item's `L`.
pub const LIST_SK_PREFIXES: &[&str] = &[GIFT, RESERVATION];

// ---- Index keys (`gsi1pk`, `gsi1sk`) ----

/// The lists of an owner (the dashboard), newest first by `gsi1sk`.
pub const OWNER: &str = "OWNER#";
/// Catalogue products by the SHA-256 of their normalised link.
pub const PRODUCT_URL: &str = "PRODUCTURL#";
/// Lists being deleted: a tombstoned meta item waits here until its partition is empty.
pub const DELETING: &str = "DELETING";
/// Mails waiting to be sent, by when they are due (`gsi1sk`, see [`mail_due_sk`]).
pub const OUTBOX: &str = "OUTBOX";
/// Mails given up after a day of failed tries, by when (for operators).
pub const DEAD_MAIL: &str = "DEADMAIL";
/// The not-found queue by state (`QUEUE#waiting`...), latest added last by `gsi1sk`.
pub const QUEUE: &str = "QUEUE#";
/// `gsi1sk` of an owner's lists starts with this.
pub const OWNER_LIST: &str = "LIST#";
/// `gsi1sk` of an account's sessions, sign-in identities and verified mailboxes, under the same
/// `OWNER#<user id>` as its lists: everything an account holds is found with one query when
/// it is deleted or its data downloaded.
pub const OWNER_SESSION: &str = "SESSION#";
pub const OWNER_IDENTITY: &str = "IDENTITY#";
pub const OWNER_MAILBOX: &str = "MAILBOX#";
/// Every `gsi1sk` prefix under an `OWNER#` partition. None starts another.
pub const OWNER_SK_PREFIXES: &[&str] = &[OWNER_LIST, OWNER_SESSION, OWNER_IDENTITY, OWNER_MAILBOX];

/// Every `gsi1pk` prefix. None starts another.
pub const GSI1_PK_PREFIXES: &[&str] = &[OWNER, PRODUCT_URL, DELETING, OUTBOX, DEAD_MAIL, QUEUE];

// ---- Builders ----

/// The primary key of an item.
pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.into())),
    ])
}

/// The partition of a list.
pub fn list_pk(list_id: &ListId) -> String {
    format!("{LIST}{list_id}")
}

pub fn list(list_id: &ListId) -> Item {
    key(list_pk(list_id), LIST_META)
}

pub fn gift_sk(gift_id: &GiftId) -> String {
    format!("{GIFT}{gift_id}")
}

pub fn gift(list_id: &ListId, gift_id: &GiftId) -> Item {
    key(list_pk(list_id), gift_sk(gift_id))
}

pub fn reservation(reservation: &ReservationKey) -> Item {
    key(
        list_pk(&reservation.list_id),
        format!("{RESERVATION}{}", reservation.hash),
    )
}

/// `gsi1pk` of the lists `owner` owns.
pub fn owner_lists(owner: &UserId) -> String {
    format!("{OWNER}{owner}")
}

/// `gsi1sk` of a session under its account (by the session id's hash).
pub fn owner_session_sk(id_hash: &str) -> String {
    format!("{OWNER_SESSION}{id_hash}")
}

/// `gsi1sk` of a sign-in identity under its account.
pub fn owner_identity_sk(issuer: &str, subject: &str) -> String {
    format!("{OWNER_IDENTITY}{issuer}#{subject}")
}

/// `gsi1sk` of a verified mailbox under its account.
pub fn owner_mailbox_sk(mailbox: &str) -> String {
    format!("{OWNER_MAILBOX}{mailbox}")
}

/// `gsi1sk` of a list on its owner's dashboard: newest last in string order.
pub fn owner_list_sk(created_at: OffsetDateTime, list_id: &ListId) -> String {
    format!("{OWNER_LIST}{}#{list_id}", time_text(created_at))
}

/// `gsi1sk` of a tombstoned list: oldest deletion first.
pub fn deleting_sk(deleted_at: OffsetDateTime, list_id: &ListId) -> String {
    format!("{}#{list_id}", time_text(deleted_at))
}

pub fn product_pk(id: &CatalogueProductId) -> String {
    format!("{PRODUCT}{id}")
}

pub fn product(id: &CatalogueProductId) -> Item {
    key(product_pk(id), PRODUCT_ITEM)
}

/// `gsi1pk` of the catalogue products whose link normalises to `normalised_url`: its SHA-256
/// in hex, so that the key stays short whatever the link's length.
pub fn product_url(normalised_url: &str) -> String {
    hashed(PRODUCT_URL, normalised_url)
}

/// `prefix` and the SHA-256 of `text` in hex.
fn hashed(prefix: &str, text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut key = String::with_capacity(prefix.len() + 64);
    key.push_str(prefix);
    for byte in digest {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// A day's counts in one shard.
pub fn kpi(shard: u8, day: time::Date) -> Item {
    key(format!("{KPI}{shard:02}"), format!("{KPI_DAY}{day}"))
}

/// The partition of one shard of the counts.
pub fn kpi_pk(shard: u8) -> String {
    format!("{KPI}{shard:02}")
}

/// The not-found queue's item for a normalised link.
pub fn not_found(normalised_url: &str) -> Item {
    key(hashed(NOT_FOUND, normalised_url), NOT_FOUND_ITEM)
}

/// `gsi1pk` of the queue's products in `state`.
pub fn queue(state: domain::QueueState) -> String {
    format!("{QUEUE}{state}")
}

/// The month's audit partition (`AUDIT#2026-12`).
pub fn audit_pk(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{AUDIT}{:04}-{:02}", at.year(), u8::from(at.month()))
}

/// An audit entry: its month, then the moment and a random part (two at once both stay).
pub fn audit(at: OffsetDateTime, nonce: &str) -> Item {
    key(audit_pk(at), format!("{}#{nonce}", time_text(at)))
}

/// A product's line in the catalogue's listing.
pub fn catalogue_line(id: &CatalogueProductId) -> Item {
    key(CATALOGUE.to_owned(), id.to_string())
}

pub fn user(id: &UserId) -> Item {
    key(format!("{USER}{id}"), USER_ITEM)
}

/// The key of an identity: SHA-256 of its issuer and subject (length-prefixed, so that no two
/// pairs give the same input), as 43 base64url characters. A subject may be any string, and
/// the hash keeps the key short and free of separators whatever it holds.
pub fn identity(issuer: &str, subject: &str) -> Item {
    let mut digest = Sha256::new();
    digest.update((issuer.len() as u64).to_be_bytes());
    digest.update(issuer.as_bytes());
    digest.update(subject.as_bytes());
    let hash = URL_SAFE_NO_PAD.encode(digest.finalize());
    key(format!("{IDENTITY}{hash}"), IDENTITY_ITEM)
}

/// The key of a verified mailbox (an [`domain::Email::mailbox_key`]).
pub fn mailbox(mailbox: &str) -> Item {
    key(format!("{MAILBOX}{mailbox}"), MAILBOX_ITEM)
}

/// A session, under the hash of its id (`Secret::hash`).
pub fn session(id_hash: &str) -> Item {
    key(format!("{SESSION}{id_hash}"), SESSION_ITEM)
}

/// A pending sign-in, under the hash of its `state` (`Secret::hash`).
pub fn login(state_hash: &str) -> Item {
    key(format!("{LOGIN}{state_hash}"), LOGIN_ITEM)
}

/// A mail in the outbox (`id` is 32 hex digits).
pub fn mail(id: &str) -> Item {
    key(format!("{MAIL}{id}"), MAIL_ITEM)
}

/// `gsi1sk` of a mail in the outbox or among the dead ones: when it is due (or died), then its
/// id, so that mails sort by time.
pub fn mail_due_sk(at: OffsetDateTime, id: &str) -> String {
    format!("{}#{id}", time_text(at))
}

/// The greatest `gsi1sk` of a mail due at `at`: every [`mail_due_sk`] up to `at` sorts before
/// it (`~` sorts after every character of an id).
pub fn mail_due_until(at: OffsetDateTime) -> String {
    format!("{}#~", time_text(at))
}

/// A suppressed mailbox (an [`domain::Email::mailbox_key`]).
pub fn suppressed(mailbox: &str) -> Item {
    key(format!("{SUPPRESSED}{mailbox}"), SUPPRESSED_ITEM)
}

/// The counter of `action` for `subject` (an address, a list and mailbox, ...) in the time
/// window numbered `window`. The subject is hashed (SHA-256, base64url), so that addresses and
/// mailboxes are not spelled out in the table, and every key has the same short length.
pub fn limit(action: &str, subject: &str, window: i64) -> Item {
    let mut digest = Sha256::new();
    digest.update((action.len() as u64).to_be_bytes());
    digest.update(action.as_bytes());
    digest.update(subject.as_bytes());
    let hash = URL_SAFE_NO_PAD.encode(digest.finalize());
    key(format!("{LIMIT}{hash}#{window}"), LIMIT_ITEM)
}

/// The record of a request done once (its id is already a hash: `OnceRequest::id`).
pub fn once(request_id: &str) -> Item {
    key(format!("{ONCE}{request_id}"), ONCE_ITEM)
}

/// A contact message's item.
pub fn contact(id: &str) -> Item {
    key(format!("{CONTACT}{id}"), CONTACT_ITEM)
}

/// The item the health check reads (it never exists).
pub fn health() -> Item {
    key(HEALTH.to_owned(), "H")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No prefix starts another, so no key of one kind can ever be read as another's.
    fn assert_apart(prefixes: &[&str]) {
        for (i, a) in prefixes.iter().enumerate() {
            for (j, b) in prefixes.iter().enumerate() {
                if i != j {
                    assert!(!b.starts_with(a), "`{b}` starts with `{a}`");
                }
            }
        }
    }

    #[test]
    fn partition_prefixes_never_meet() {
        assert_apart(PK_PREFIXES);
        assert_apart(GSI1_PK_PREFIXES);
        assert_apart(OWNER_SK_PREFIXES);
        // Each prefix ends at a separator that no id contains.
        for prefix in PK_PREFIXES.iter().chain([OWNER, PRODUCT_URL].iter()) {
            assert!(prefix.ends_with('#'), "{prefix}");
        }
        // The outbox's index partitions are whole keys, not prefixes of longer ones.
        for prefix in [DELETING, OUTBOX, DEAD_MAIL] {
            assert!(!prefix.contains('#'), "{prefix}");
        }
    }

    #[test]
    fn a_list_partition_splits_into_its_kinds() {
        assert_apart(LIST_SK_PREFIXES);
        // The public page reads `L…`: the meta item and the gifts, never reservations.
        assert!(LIST_META.starts_with(LIST_PAGE));
        assert!(GIFT.starts_with(LIST_PAGE));
        assert!(!RESERVATION.starts_with(LIST_PAGE));
        for prefix in LIST_SK_PREFIXES {
            assert_ne!(*prefix, LIST_META);
        }
    }

    #[test]
    fn built_keys_carry_their_prefixes() {
        let list_id = ListId::generate();
        let gift_id = GiftId::generate();
        let text = |item: &Item, name: &str| item[name].as_s().unwrap().clone();
        assert_eq!(text(&list(&list_id), PK), format!("LIST#{list_id}"));
        assert_eq!(text(&list(&list_id), SK), "L");
        assert_eq!(
            text(&gift(&list_id, &gift_id), SK),
            format!("L#G#{gift_id}")
        );
        assert_eq!(
            text(&mailbox("annlee@gmail.com"), PK),
            "MAILBOX#annlee@gmail.com"
        );
        assert_eq!(product_url("https://example.com/cot").len(), 11 + 64);
    }

    #[test]
    fn due_mails_sort_by_time_and_stop_at_the_bound() {
        let at = time::macros::datetime!(2026-12-02 10:00 UTC);
        let id = "0123456789abcdef0123456789abcdef";
        let due = mail_due_sk(at, id);
        assert!(due < mail_due_until(at));
        assert!(mail_due_sk(at - time::Duration::nanoseconds(1), id) < due);
        assert!(mail_due_sk(at + time::Duration::nanoseconds(1), id) > mail_due_until(at));
    }

    #[test]
    fn limit_keys_hide_their_subject_and_part_by_action_and_window() {
        let key = limit("reserve", "ann@example.com", 7);
        let pk = key[PK].as_s().unwrap();
        assert!(pk.starts_with(LIMIT) && pk.ends_with("#7"), "{pk}");
        assert!(!pk.contains("ann"));
        assert_ne!(key, limit("reserve", "ann@example.com", 8));
        assert_ne!(key, limit("reservation", "ann@example.com", 7));
        assert_ne!(limit("ab", "c", 1), limit("a", "bc", 1));
    }

    #[test]
    fn identity_keys_are_hashes_that_keep_issuer_and_subject_apart() {
        let a = identity("https://a.example", "bc");
        let b = identity("https://a.exampleb", "c");
        assert_ne!(a, b);
        let pk = a[PK].as_s().unwrap();
        let hash = pk.strip_prefix(IDENTITY).unwrap();
        assert_eq!(hash.len(), 43);
        assert!(!pk.contains("a.example"));
        assert_eq!(identity("https://a.example", "bc"), a);
    }
}
