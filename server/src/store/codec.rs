//! How values are written to and read from DynamoDB attributes: the one vocabulary that every
//! item layout (`items.rs`, `users.rs`) uses.
//!
//! Encoding never fails. Decoding goes through the domain's parsers ([`Fields`]), so an item
//! that decodes is valid; anything else is a [`DecodeError`] naming the attribute, never a
//! panic. Numbers are `N`; times are RFC 3339 strings in UTC with nine fraction digits (so that
//! they sort as text); expiries (the table's TTL) are epoch seconds; optional fields are
//! omitted when `None`.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use super::schema::{PK, SK};

/// One DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Attribute names, for items and for expressions.
pub mod attr {
    /// What the item is (`list`, `gift`, `reservation`, `marker`, `product`, `user`,
    /// `identity`, `mailbox`, `session`, `login`): for people reading the table; decoding goes
    /// by the key.
    pub const KIND: &str = "kind";
    /// The item's version, raised by every change; conditions compare it.
    pub const VERSION: &str = "v";
    pub const OWNER: &str = "owner";
    pub const TITLE: &str = "title";
    pub const OCCASION: &str = "occasion";
    pub const EVENT_DATE: &str = "event_date";
    pub const MESSAGE: &str = "message";
    pub const STATE: &str = "state";
    pub const SURPRISE: &str = "surprise";
    pub const REVEAL_NAMES: &str = "reveal_names";
    pub const GIFT_COUNT: &str = "gift_count";
    /// On a list's meta item: when its deletion started (a tombstone; see "Deleting a list").
    pub const DELETED_AT: &str = "deleted_at";
    pub const CREATED_AT: &str = "created_at";
    pub const UPDATED_AT: &str = "updated_at";
    pub const BRAND: &str = "brand";
    pub const URL: &str = "url";
    pub const IMAGE_URL: &str = "image_url";
    pub const PRICE: &str = "price";
    pub const CURRENCY: &str = "currency";
    pub const SOURCE: &str = "source";
    pub const CATALOGUE_ID: &str = "catalogue_id";
    pub const WANTED: &str = "wanted";
    pub const RESERVED: &str = "reserved";
    pub const BOUGHT: &str = "bought";
    pub const NOTES: &str = "notes";
    pub const GIFT_ID: &str = "gift_id";
    pub const MAILBOX: &str = "mailbox";
    pub const EMAIL: &str = "email";
    pub const NAME: &str = "name";
    pub const QUANTITY: &str = "quantity";
    pub const USER_ID: &str = "user_id";
    pub const RETAILER: &str = "retailer";
    /// On an identity: the issuer and subject it was made from (for people reading the table).
    pub const ISSUER: &str = "issuer";
    pub const SUBJECT: &str = "subject";
    /// On a pending sign-in.
    pub const VERIFIER: &str = "verifier";
    pub const NONCE: &str = "nonce";
    pub const RETURN_TO: &str = "return_to";
    /// On a record of a request done once: what it came to.
    pub const OUTCOME: &str = "outcome";
    /// On a session: whether its person was in the admin group when they signed in.
    pub const ADMIN: &str = "admin";
    /// Epoch seconds (`N`): the table's TTL attribute.
    pub const EXPIRES_AT: &str = super::super::schema::TTL_ATTRIBUTE;
}

// ---- Encoding ----

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn number(value: impl fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// RFC 3339 in UTC with a fixed nine-digit fraction: equal-length strings that sort in time
/// order (years 0–9999, which is every time a clock gives).
pub fn time_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

pub fn time(t: OffsetDateTime) -> AttributeValue {
    string(time_text(t))
}

pub fn date(d: Date) -> AttributeValue {
    string(format!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    ))
}

/// An expiry, in the table's TTL format: whole epoch seconds (rounded down).
pub fn epoch_seconds(t: OffsetDateTime) -> AttributeValue {
    number(t.unix_timestamp())
}

/// Adds `name` when `value` is `Some`.
pub fn put_opt(item: &mut Item, name: &str, value: Option<AttributeValue>) {
    if let Some(value) = value {
        item.insert(name.to_owned(), value);
    }
}

/// The start of every item: its key, its kind and its version.
pub fn item(key: Item, kind: &str, version: u64) -> Item {
    let mut item = key;
    item.insert(attr::KIND.into(), string(kind));
    item.insert(attr::VERSION.into(), number(version));
    item
}

// ---- Decoding ----

/// An item that could not be read back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub attribute: &'static str,
    pub problem: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attribute `{}`: {}", self.attribute, self.problem)
    }
}

/// A decoded entity with the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// The `pk` and `sk` of an item, for logs ("?" when missing).
pub fn describe_key(item: &Item) -> (String, String) {
    let text = |name| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_else(|| "?".to_owned())
    };
    (text(PK), text(SK))
}

/// Typed access to an item's attributes: every decoder reads through it.
pub struct Fields<'a>(pub &'a Item);

impl<'a> Fields<'a> {
    pub fn error(attribute: &'static str, problem: impl fmt::Display) -> DecodeError {
        DecodeError {
            attribute,
            problem: problem.to_string(),
        }
    }

    pub fn opt_s(&self, name: &'static str) -> Result<Option<&'a str>, DecodeError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(text)) => Ok(Some(text)),
            Some(_) => Err(Self::error(name, "is not a string")),
        }
    }

    pub fn s(&self, name: &'static str) -> Result<&'a str, DecodeError> {
        self.opt_s(name)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    /// A string that must not be empty (for values without a domain type).
    pub fn non_empty(&self, name: &'static str) -> Result<String, DecodeError> {
        match self.s(name)? {
            "" => Err(Self::error(name, "is empty")),
            text => Ok(text.to_owned()),
        }
    }

    pub fn opt_parse<T, E: fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, DecodeError> {
        self.opt_s(name)?
            .map(|text| parse(text).map_err(|e| Self::error(name, e)))
            .transpose()
    }

    pub fn parse<T, E: fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, DecodeError> {
        self.opt_parse(name, parse)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    pub fn opt_n<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, DecodeError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(text)) => text
                .parse()
                .map(Some)
                .map_err(|_| Self::error(name, format!("`{text}` is out of range"))),
            Some(_) => Err(Self::error(name, "is not a number")),
        }
    }

    pub fn n<T: std::str::FromStr>(&self, name: &'static str) -> Result<T, DecodeError> {
        self.opt_n(name)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    /// A flag that is false when absent.
    pub fn flag(&self, name: &'static str) -> Result<bool, DecodeError> {
        match self.0.get(name) {
            None => Ok(false),
            Some(_) => self.bool(name),
        }
    }

    pub fn bool(&self, name: &'static str) -> Result<bool, DecodeError> {
        match self.0.get(name) {
            Some(AttributeValue::Bool(b)) => Ok(*b),
            Some(_) => Err(Self::error(name, "is not a boolean")),
            None => Err(Self::error(name, "is missing")),
        }
    }

    pub fn time(&self, name: &'static str) -> Result<OffsetDateTime, DecodeError> {
        self.parse(name, |t| OffsetDateTime::parse(t, &Rfc3339))
    }

    pub fn opt_time(&self, name: &'static str) -> Result<Option<OffsetDateTime>, DecodeError> {
        self.opt_parse(name, |t| OffsetDateTime::parse(t, &Rfc3339))
    }

    pub fn date(&self, name: &'static str) -> Result<Option<Date>, DecodeError> {
        self.opt_parse(name, |t| {
            Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
        })
    }

    /// An expiry written by [`epoch_seconds`].
    pub fn expiry(&self, name: &'static str) -> Result<OffsetDateTime, DecodeError> {
        let secs: i64 = self.n(name)?;
        OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| Self::error(name, format!("`{secs}` is not a time")))
    }

    pub fn version(&self) -> Result<u64, DecodeError> {
        self.n(attr::VERSION)
    }

    /// The id after `prefix` in the key attribute `name`.
    pub fn key_id<T, E: fmt::Display>(
        &self,
        name: &'static str,
        prefix: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, DecodeError> {
        self.parse(name, |text| match text.strip_prefix(prefix) {
            Some(rest) => parse(rest).map_err(|e| e.to_string()),
            None => Err(format!("does not start with `{prefix}`")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_sort_as_text() {
        let earlier = datetime!(2025-01-01 12:00:00 UTC);
        let later = datetime!(2025-01-01 12:00:00.1 UTC);
        assert!(time_text(earlier) < time_text(later));
        assert_eq!(time_text(earlier), "2025-01-01T12:00:00.000000000Z");
        assert_eq!(
            time_text(datetime!(2025-01-01 14:00 +02:00)),
            "2025-01-01T12:00:00.000000000Z"
        );
    }

    #[test]
    fn expiries_are_kept_to_the_second() {
        let item = Item::from([(
            attr::EXPIRES_AT.to_owned(),
            epoch_seconds(datetime!(2025-01-01 12:10:00.999 UTC)),
        )]);
        assert_eq!(
            Fields(&item).expiry(attr::EXPIRES_AT).unwrap(),
            datetime!(2025-01-01 12:10:00 UTC)
        );
    }

    #[test]
    fn wrong_types_and_missing_values_name_the_attribute() {
        let item = Item::from([
            ("a".to_owned(), number(1)),
            ("b".to_owned(), string("x")),
            ("c".to_owned(), string("")),
            ("d".to_owned(), number("soon")),
        ]);
        let f = Fields(&item);
        assert_eq!(f.s("a").unwrap_err().attribute, "a");
        assert_eq!(f.n::<u32>("b").unwrap_err().attribute, "b");
        assert_eq!(f.non_empty("c").unwrap_err().attribute, "c");
        assert_eq!(f.expiry("d").unwrap_err().attribute, "d");
        assert_eq!(f.bool("missing").unwrap_err().problem, "is missing");
        assert_eq!(f.opt_s("missing"), Ok(None));
    }
}
