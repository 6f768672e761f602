//! How each entity is written to and read from the table: keys, attribute names, and the
//! encoding of every field. The only place that knows the item layout (see
//! `docs/data-model.md`).
//!
//! Encoding never fails. Decoding goes through the domain's parsers, so an item that decodes
//! is valid; anything else is a [`DecodeError`] naming the attribute, never a panic.
//! Numbers are `N`, times are RFC 3339 strings in UTC with nine fraction digits (so that they
//! sort as text), and optional fields are omitted when `None`.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use domain::{
    normalise_product_url, CatalogueProduct, CatalogueProductId, Currency, Email, Gift, GiftId,
    GiftList, GiftSource, HttpUrl, ListDetails, ListId, ListState, Message, Notes, Occasion,
    PersonName, Price, ProductSnapshot, ProductTitle, Quantity, Reservation, ReservationKey,
    ReservationState, ShopName, SurpriseMode, SurprisePolicy, Title, TokenHash, UserId,
};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use super::schema::{GSI1_PK, GSI1_SK, PK, SK};

/// One DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

// ---- Keys ----

/// The sort key of a list's meta item.
pub const LIST_SK: &str = "L";
/// Every sort key that the public page reads starts with this: the meta item and the gifts.
pub const PAGE_SK_PREFIX: &str = "L";
/// Sort keys of gifts start with this.
pub const GIFT_SK_PREFIX: &str = "L#G#";
/// Sort keys of reservations start with this.
pub const RESERVATION_SK_PREFIX: &str = "R#";
/// Sort keys of active-reservation markers start with this (`M#<giftId>#<mailbox key>`).
pub const MARKER_SK_PREFIX: &str = "M#";
/// `gsi1sk` of lists starts with this (the owner's dashboard).
pub const LIST_GSI_SK_PREFIX: &str = "LIST#";
/// The sort key of a catalogue product, and its `gsi1sk`.
pub const PRODUCT_SK: &str = "P";

const LIST_PK_PREFIX: &str = "LIST#";
const OWNER_PREFIX: &str = "OWNER#";
const PRODUCT_PK_PREFIX: &str = "PRODUCT#";
const PRODUCT_URL_PREFIX: &str = "PRODUCTURL#";

/// The partition of a list: its meta item, gifts and reservations.
pub fn list_pk(list_id: &ListId) -> String {
    format!("{LIST_PK_PREFIX}{list_id}")
}

pub fn gift_sk(gift_id: &GiftId) -> String {
    format!("{GIFT_SK_PREFIX}{gift_id}")
}

pub fn reservation_sk(hash: &TokenHash) -> String {
    format!("{RESERVATION_SK_PREFIX}{hash}")
}

/// The sort key of the marker of `mailbox`'s active reservation of a gift. A gift id is 22
/// base64url characters (no `#`), so the key reads back unambiguously.
pub fn marker_sk(gift_id: &GiftId, mailbox: &str) -> String {
    format!("{MARKER_SK_PREFIX}{gift_id}#{mailbox}")
}

/// `gsi1pk` of the lists `owner` owns.
pub fn owner_gsi_pk(owner: &UserId) -> String {
    format!("{OWNER_PREFIX}{owner}")
}

pub fn product_pk(id: &CatalogueProductId) -> String {
    format!("{PRODUCT_PK_PREFIX}{id}")
}

/// `gsi1pk` of the catalogue products whose link normalises to `normalised_url`: its SHA-256
/// in hex, so that the key stays short whatever the link's length.
pub fn product_url_gsi_pk(normalised_url: &str) -> String {
    let digest = Sha256::digest(normalised_url.as_bytes());
    let mut key = String::with_capacity(PRODUCT_URL_PREFIX.len() + 64);
    key.push_str(PRODUCT_URL_PREFIX);
    for byte in digest {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// The primary key of an item.
pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.into())),
    ])
}

pub fn list_key(list_id: &ListId) -> Item {
    key(list_pk(list_id), LIST_SK)
}

pub fn gift_key(list_id: &ListId, gift_id: &GiftId) -> Item {
    key(list_pk(list_id), gift_sk(gift_id))
}

pub fn reservation_key(reservation: &ReservationKey) -> Item {
    key(
        list_pk(&reservation.list_id),
        reservation_sk(&reservation.hash),
    )
}

/// The key of the marker of `mailbox`'s (an [`Email::mailbox_key`]) active reservation of a
/// gift.
pub fn marker_key(list_id: &ListId, gift_id: &GiftId, mailbox: &str) -> Item {
    key(list_pk(list_id), marker_sk(gift_id, mailbox))
}

/// The key of the marker that points at `r` while `r` is active.
pub fn marker_key_of(r: &Reservation) -> Item {
    marker_key(&r.key.list_id, &r.gift_id, &r.email.mailbox_key())
}

// ---- Attribute names ----

/// Attribute names, for items and for expressions.
pub mod attr {
    /// What the item is: `list`, `gift`, `reservation`, `marker` or `product` (for people
    /// reading the table; decoding goes by the key).
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
    /// On a marker: the token hash of the active reservation it points at. (`HASH` is a
    /// DynamoDB reserved word: expressions name it through a placeholder.)
    pub const HASH: &str = "hash";
}

/// The optional attributes of a catalogue product item (removed when a new version lacks them).
pub const PRODUCT_OPTIONAL: &[&str] = &[
    GSI1_PK,
    GSI1_SK,
    attr::BRAND,
    attr::URL,
    attr::IMAGE_URL,
    attr::PRICE,
    attr::CURRENCY,
    attr::RETAILER,
];

// ---- Encoding ----

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl fmt::Display) -> AttributeValue {
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

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Adds `name` when `value` is `Some`.
fn put_opt(item: &mut Item, name: &str, value: Option<AttributeValue>) {
    if let Some(value) = value {
        item.insert(name.to_owned(), value);
    }
}

fn put_product(item: &mut Item, product: &ProductSnapshot) {
    item.insert(attr::TITLE.into(), s(product.title.as_str()));
    put_opt(
        item,
        attr::BRAND,
        product.brand.as_ref().map(|b| s(b.as_str())),
    );
    put_opt(item, attr::URL, product.url.as_ref().map(|u| s(u.as_str())));
    put_opt(
        item,
        attr::IMAGE_URL,
        product.image_url.as_ref().map(|u| s(u.as_str())),
    );
    if let Some(price) = &product.price {
        item.insert(attr::PRICE.into(), n(price.minor_units()));
        item.insert(attr::CURRENCY.into(), s(price.currency().as_str()));
    }
}

/// A list's meta item.
pub fn list_item(list: &GiftList, gift_count: u32, version: u64) -> Item {
    let mut item = list_key(&list.id);
    item.insert(GSI1_PK.into(), s(owner_gsi_pk(&list.owner)));
    item.insert(
        GSI1_SK.into(),
        s(format!(
            "{LIST_GSI_SK_PREFIX}{}#{}",
            time_text(list.created_at),
            list.id
        )),
    );
    item.insert(attr::KIND.into(), s("list"));
    item.insert(attr::VERSION.into(), n(version));
    item.insert(attr::OWNER.into(), s(list.owner.as_str()));
    item.insert(attr::TITLE.into(), s(list.details.title.as_str()));
    item.insert(attr::OCCASION.into(), s(list.details.occasion.as_str()));
    put_opt(
        &mut item,
        attr::EVENT_DATE,
        list.details.event_date.map(|d| s(date_text(d))),
    );
    put_opt(
        &mut item,
        attr::MESSAGE,
        list.details.message.as_ref().map(|m| s(m.as_str())),
    );
    item.insert(attr::STATE.into(), s(list.state.as_str()));
    item.insert(attr::SURPRISE.into(), s(list.surprise.mode.as_str()));
    item.insert(
        attr::REVEAL_NAMES.into(),
        AttributeValue::Bool(list.surprise.reveal_names_after_event),
    );
    item.insert(attr::GIFT_COUNT.into(), n(gift_count));
    item.insert(attr::CREATED_AT.into(), s(time_text(list.created_at)));
    item.insert(attr::UPDATED_AT.into(), s(time_text(list.updated_at)));
    item
}

/// A gift item: everything the public page shows about the gift.
pub fn gift_item(gift: &Gift, version: u64) -> Item {
    let mut item = gift_key(&gift.list_id, &gift.id);
    item.insert(attr::KIND.into(), s("gift"));
    item.insert(attr::VERSION.into(), n(version));
    put_product(&mut item, &gift.product);
    match gift.source {
        GiftSource::Owner => {
            item.insert(attr::SOURCE.into(), s("owner"));
        }
        GiftSource::Catalogue(id) => {
            item.insert(attr::SOURCE.into(), s("catalogue"));
            item.insert(attr::CATALOGUE_ID.into(), s(id.as_str()));
        }
    }
    item.insert(attr::WANTED.into(), n(gift.wanted.get()));
    item.insert(attr::RESERVED.into(), n(gift.reserved));
    item.insert(attr::BOUGHT.into(), n(gift.bought));
    put_opt(
        &mut item,
        attr::NOTES,
        gift.notes.as_ref().map(|t| s(t.as_str())),
    );
    item.insert(attr::CREATED_AT.into(), s(time_text(gift.created_at)));
    item.insert(attr::UPDATED_AT.into(), s(time_text(gift.updated_at)));
    item
}

/// A reservation item, keyed by its token's hash (never the token).
pub fn reservation_item(r: &Reservation, version: u64) -> Item {
    let mut item = reservation_key(&r.key);
    item.insert(attr::KIND.into(), s("reservation"));
    item.insert(attr::VERSION.into(), n(version));
    item.insert(attr::GIFT_ID.into(), s(r.gift_id.as_str()));
    item.insert(attr::MAILBOX.into(), s(r.email.mailbox_key()));
    item.insert(attr::EMAIL.into(), s(r.email.as_str()));
    item.insert(attr::NAME.into(), s(r.guest_name.as_str()));
    item.insert(attr::QUANTITY.into(), n(r.quantity.get()));
    item.insert(attr::STATE.into(), s(r.state.as_str()));
    put_opt(&mut item, attr::USER_ID, r.user_id.map(|u| s(u.as_str())));
    item.insert(attr::CREATED_AT.into(), s(time_text(r.created_at)));
    item.insert(attr::UPDATED_AT.into(), s(time_text(r.updated_at)));
    item
}

/// The marker of an active reservation: one per (gift, mailbox) that has one, pointing at it
/// by its token hash.
pub fn marker_item(r: &Reservation, version: u64) -> Item {
    let mut item = marker_key_of(r);
    item.insert(attr::KIND.into(), s("marker"));
    item.insert(attr::VERSION.into(), n(version));
    item.insert(attr::HASH.into(), s(r.key.hash.as_str()));
    item
}

/// A catalogue product item without its version (written by an update that raises it).
pub fn product_item(p: &CatalogueProduct) -> Item {
    let mut item = key(product_pk(&p.id), PRODUCT_SK);
    if let Some(url) = &p.product.url {
        item.insert(
            GSI1_PK.into(),
            s(product_url_gsi_pk(&normalise_product_url(url))),
        );
        item.insert(GSI1_SK.into(), s(PRODUCT_SK));
    }
    item.insert(attr::KIND.into(), s("product"));
    put_product(&mut item, &p.product);
    put_opt(
        &mut item,
        attr::RETAILER,
        p.retailer.as_ref().map(|r| s(r.as_str())),
    );
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

/// A decoded list meta item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    pub list: GiftList,
    pub gift_count: u32,
    pub version: u64,
}

/// An item of a list's partition.
// Each one is moved straight into its vector: boxing gifts would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionItem {
    List(StoredList),
    Gift(Versioned<Gift>),
    Reservation(Versioned<Reservation>),
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

/// Typed access to an item's attributes.
struct Fields<'a>(&'a Item);

impl<'a> Fields<'a> {
    fn error(attribute: &'static str, problem: impl fmt::Display) -> DecodeError {
        DecodeError {
            attribute,
            problem: problem.to_string(),
        }
    }

    fn opt_s(&self, name: &'static str) -> Result<Option<&'a str>, DecodeError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(text)) => Ok(Some(text)),
            Some(_) => Err(Self::error(name, "is not a string")),
        }
    }

    fn s(&self, name: &'static str) -> Result<&'a str, DecodeError> {
        self.opt_s(name)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    fn opt_parse<T, E: fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, DecodeError> {
        self.opt_s(name)?
            .map(|text| parse(text).map_err(|e| Self::error(name, e)))
            .transpose()
    }

    fn parse<T, E: fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, DecodeError> {
        self.opt_parse(name, parse)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    fn opt_n<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, DecodeError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(text)) => text
                .parse()
                .map(Some)
                .map_err(|_| Self::error(name, format!("`{text}` is out of range"))),
            Some(_) => Err(Self::error(name, "is not a number")),
        }
    }

    fn n<T: std::str::FromStr>(&self, name: &'static str) -> Result<T, DecodeError> {
        self.opt_n(name)?
            .ok_or_else(|| Self::error(name, "is missing"))
    }

    fn bool(&self, name: &'static str) -> Result<bool, DecodeError> {
        match self.0.get(name) {
            Some(AttributeValue::Bool(b)) => Ok(*b),
            Some(_) => Err(Self::error(name, "is not a boolean")),
            None => Err(Self::error(name, "is missing")),
        }
    }

    fn time(&self, name: &'static str) -> Result<OffsetDateTime, DecodeError> {
        self.parse(name, |t| OffsetDateTime::parse(t, &Rfc3339))
    }

    fn version(&self) -> Result<u64, DecodeError> {
        self.n(attr::VERSION)
    }

    /// The id after `prefix` in the key attribute `name`.
    fn key_id<T, E: fmt::Display>(
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

    fn product(&self) -> Result<ProductSnapshot, DecodeError> {
        let price = match (
            self.opt_n::<u64>(attr::PRICE)?,
            self.opt_parse(attr::CURRENCY, Currency::parse)?,
        ) {
            (Some(minor), Some(currency)) => {
                Some(Price::new(minor, currency).map_err(|e| Self::error(attr::PRICE, e))?)
            }
            (None, None) => None,
            _ => {
                return Err(Self::error(
                    attr::PRICE,
                    "price and currency must come together",
                ))
            }
        };
        Ok(ProductSnapshot {
            title: self.parse(attr::TITLE, ProductTitle::parse)?,
            brand: self.opt_parse(attr::BRAND, ShopName::parse)?,
            url: self.opt_parse(attr::URL, HttpUrl::parse)?,
            image_url: self.opt_parse(attr::IMAGE_URL, HttpUrl::parse)?,
            price,
        })
    }

    fn list_id(&self) -> Result<ListId, DecodeError> {
        self.key_id(PK, LIST_PK_PREFIX, ListId::parse)
    }
}

fn quantity(n: u32) -> Result<Quantity, String> {
    Quantity::new(n).map_err(|e| e.to_string())
}

/// Decodes a list meta item.
pub fn decode_list(item: &Item) -> Result<StoredList, DecodeError> {
    let f = Fields(item);
    let list = GiftList {
        id: f.list_id()?,
        owner: f.parse(attr::OWNER, UserId::parse)?,
        details: ListDetails {
            title: f.parse(attr::TITLE, Title::parse)?,
            occasion: f.parse(attr::OCCASION, Occasion::parse)?,
            event_date: f.opt_parse(attr::EVENT_DATE, |t| {
                Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
            })?,
            message: f.opt_parse(attr::MESSAGE, Message::parse)?,
        },
        state: f.parse(attr::STATE, ListState::parse)?,
        surprise: SurprisePolicy {
            mode: f.parse(attr::SURPRISE, SurpriseMode::parse)?,
            reveal_names_after_event: f.bool(attr::REVEAL_NAMES)?,
        },
        created_at: f.time(attr::CREATED_AT)?,
        updated_at: f.time(attr::UPDATED_AT)?,
    };
    Ok(StoredList {
        list,
        gift_count: f.n(attr::GIFT_COUNT)?,
        version: f.version()?,
    })
}

/// Decodes a gift item.
pub fn decode_gift(item: &Item) -> Result<Versioned<Gift>, DecodeError> {
    let f = Fields(item);
    let source = match f.s(attr::SOURCE)? {
        "owner" => GiftSource::Owner,
        "catalogue" => {
            GiftSource::Catalogue(f.parse(attr::CATALOGUE_ID, CatalogueProductId::parse)?)
        }
        other => {
            return Err(Fields::error(
                attr::SOURCE,
                format!("unknown source `{other}`"),
            ))
        }
    };
    let gift = Gift {
        id: f.key_id(SK, GIFT_SK_PREFIX, GiftId::parse)?,
        list_id: f.list_id()?,
        product: f.product()?,
        source,
        wanted: quantity(f.n(attr::WANTED)?).map_err(|e| Fields::error(attr::WANTED, e))?,
        reserved: f.n(attr::RESERVED)?,
        bought: f.n(attr::BOUGHT)?,
        notes: f.opt_parse(attr::NOTES, Notes::parse)?,
        created_at: f.time(attr::CREATED_AT)?,
        updated_at: f.time(attr::UPDATED_AT)?,
    };
    Ok(Versioned {
        value: gift,
        version: f.version()?,
    })
}

/// Decodes a reservation item.
pub fn decode_reservation(item: &Item) -> Result<Versioned<Reservation>, DecodeError> {
    let f = Fields(item);
    let reservation = Reservation {
        key: ReservationKey {
            list_id: f.list_id()?,
            hash: f.key_id(SK, RESERVATION_SK_PREFIX, TokenHash::parse)?,
        },
        gift_id: f.parse(attr::GIFT_ID, GiftId::parse)?,
        guest_name: f.parse(attr::NAME, PersonName::parse)?,
        email: f.parse(attr::EMAIL, Email::parse)?,
        quantity: quantity(f.n(attr::QUANTITY)?).map_err(|e| Fields::error(attr::QUANTITY, e))?,
        state: f.parse(attr::STATE, ReservationState::parse)?,
        user_id: f.opt_parse(attr::USER_ID, UserId::parse)?,
        created_at: f.time(attr::CREATED_AT)?,
        updated_at: f.time(attr::UPDATED_AT)?,
    };
    Ok(Versioned {
        value: reservation,
        version: f.version()?,
    })
}

/// Decodes a marker item: the token hash of the active reservation it points at.
pub fn decode_marker(item: &Item) -> Result<Versioned<TokenHash>, DecodeError> {
    let f = Fields(item);
    Ok(Versioned {
        value: f.parse(attr::HASH, TokenHash::parse)?,
        version: f.version()?,
    })
}

/// Decodes a catalogue product item.
pub fn decode_product(item: &Item) -> Result<CatalogueProduct, DecodeError> {
    let f = Fields(item);
    Ok(CatalogueProduct {
        id: f.key_id(PK, PRODUCT_PK_PREFIX, CatalogueProductId::parse)?,
        product: f.product()?,
        retailer: f.opt_parse(attr::RETAILER, ShopName::parse)?,
    })
}

/// Decodes an item of a list's partition by its sort key; `None` for markers (an index, not
/// content: only `reserve` reads them, by key) and for kinds this version does not know (so
/// that adding a kind later does not break older servers).
pub fn decode_partition_item(item: &Item) -> Result<Option<PartitionItem>, DecodeError> {
    let sk = Fields(item).s(SK)?;
    Ok(if sk == LIST_SK {
        Some(PartitionItem::List(decode_list(item)?))
    } else if sk.starts_with(GIFT_SK_PREFIX) {
        Some(PartitionItem::Gift(decode_gift(item)?))
    } else if sk.starts_with(RESERVATION_SK_PREFIX) {
        Some(PartitionItem::Reservation(decode_reservation(item)?))
    } else {
        // Markers (`M#…`) and unknown kinds.
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ReservationToken, ReserveRequest};
    use time::macros::{date, datetime};

    fn list() -> GiftList {
        let mut list = GiftList::new(
            ListId::generate(),
            UserId::generate(),
            ListDetails {
                title: Title::parse("Mia's shower").unwrap(),
                occasion: Occasion::BabyShower,
                event_date: Some(date!(2025 - 06 - 01)),
                message: Some(Message::parse("Hello\nthere").unwrap()),
            },
            datetime!(2025-01-01 12:00:00.5 UTC),
        );
        list.surprise.reveal_names_after_event = true;
        list
    }

    fn gift(list: &GiftList) -> Gift {
        Gift::new(
            GiftId::generate(),
            list.id,
            ProductSnapshot {
                title: ProductTitle::parse("Cot").unwrap(),
                brand: Some(ShopName::parse("Acme").unwrap()),
                url: Some(HttpUrl::parse("https://example.com/cot?x=1").unwrap()),
                image_url: None,
                price: Some(Price::parse("120.50", "GBP").unwrap()),
            },
            GiftSource::Catalogue(CatalogueProductId::generate()),
            Quantity::new(3).unwrap(),
            Some(Notes::parse("White please").unwrap()),
            datetime!(2025-01-02 08:00 +02:00),
        )
    }

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
    fn round_trips() {
        let list = list();
        let stored = decode_list(&list_item(&list, 7, 3)).unwrap();
        assert_eq!(
            (stored.list, stored.gift_count, stored.version),
            (list.clone(), 7, 3)
        );

        let gift = gift(&list);
        let back = decode_gift(&gift_item(&gift, 9)).unwrap();
        assert_eq!((back.value, back.version), (gift.clone(), 9));

        let token = ReservationToken::generate(list.id);
        let request = ReserveRequest {
            guest_name: PersonName::parse("Ann").unwrap(),
            email: Email::parse("Ann.Lee@gmail.com").unwrap(),
            quantity: Quantity::new(2).unwrap(),
            user_id: Some(UserId::generate()),
        };
        let now = datetime!(2025-01-03 00:00 UTC);
        let outcome = domain::rules::reserve(&list, &gift, None, request, &token, now).unwrap();
        let item = reservation_item(&outcome.reservation, 1);
        assert_eq!(item[attr::MAILBOX], s("annlee@gmail.com"));
        assert_eq!(
            decode_reservation(&item).unwrap().value,
            outcome.reservation
        );
        let marker = marker_item(&outcome.reservation, 4);
        assert_eq!(
            marker[SK],
            s(format!(
                "M#{}#annlee@gmail.com",
                outcome.reservation.gift_id
            ))
        );
        assert_eq!(marker[PK], item[PK]);
        let back = decode_marker(&marker).unwrap();
        assert_eq!((back.value, back.version), (token.key().hash, 4));

        let product = CatalogueProduct {
            id: CatalogueProductId::generate(),
            product: gift.product.clone(),
            retailer: None,
        };
        let item = product_item(&product);
        assert_eq!(
            item[GSI1_PK],
            s(product_url_gsi_pk("https://example.com/cot"))
        );
        assert_eq!(decode_product(&item).unwrap(), product);
    }

    #[test]
    fn optional_attributes_are_omitted() {
        let mut list = list();
        list.details.event_date = None;
        list.details.message = None;
        let item = list_item(&list, 0, 1);
        assert!(!item.contains_key(attr::EVENT_DATE));
        assert!(!item.contains_key(attr::MESSAGE));
        let mut gift = gift(&list);
        gift.notes = None;
        gift.product.price = None;
        gift.source = GiftSource::Owner;
        let item = gift_item(&gift, 1);
        for absent in [
            attr::NOTES,
            attr::PRICE,
            attr::CURRENCY,
            attr::CATALOGUE_ID,
            attr::IMAGE_URL,
        ] {
            assert!(!item.contains_key(absent), "{absent}");
        }
        assert_eq!(decode_gift(&item).unwrap().value, gift);
    }

    #[test]
    fn malformed_items_name_the_attribute() {
        let list = list();
        let gift = gift(&list);
        let cases: Vec<(&str, Option<AttributeValue>, &str)> = vec![
            (attr::WANTED, Some(n(0)), attr::WANTED),
            (attr::WANTED, Some(s("3")), attr::WANTED),
            (attr::RESERVED, Some(n(-1)), attr::RESERVED),
            (attr::TITLE, Some(s("")), attr::TITLE),
            (attr::TITLE, None, attr::TITLE),
            (attr::CURRENCY, None, attr::PRICE),
            (attr::CREATED_AT, Some(s("yesterday")), attr::CREATED_AT),
            (attr::VERSION, None, attr::VERSION),
            (attr::SOURCE, Some(s("shop")), attr::SOURCE),
            (SK, Some(s("L#G#short")), SK),
            (PK, Some(s("PRODUCT#x")), PK),
        ];
        for (name, value, blamed) in cases {
            let mut item = gift_item(&gift, 1);
            match value {
                Some(value) => item.insert(name.to_owned(), value),
                None => item.remove(name),
            };
            let err = decode_gift(&item).unwrap_err();
            assert_eq!(err.attribute, blamed, "{name}: {err}");
        }
    }

    #[test]
    fn partition_items_dispatch_on_the_sort_key() {
        let list = list();
        let item = list_item(&list, 0, 1);
        assert!(matches!(
            decode_partition_item(&item),
            Ok(Some(PartitionItem::List(_)))
        ));
        let mut other = item;
        other.insert(SK.into(), s("X#something"));
        assert_eq!(decode_partition_item(&other), Ok(None));
        // Markers are skipped without being decoded, even a damaged one.
        let marker = HashMap::from([
            (PK.to_owned(), s(list_pk(&list.id))),
            (
                SK.to_owned(),
                s(marker_sk(&GiftId::generate(), "a@example.com")),
            ),
            (attr::KIND.to_owned(), s("marker")),
        ]);
        assert_eq!(decode_partition_item(&marker), Ok(None));
    }
}
