//! The layout of the items of a list's partition (list meta, gifts, reservations) and of
//! catalogue products: how each entity becomes an item and
//! is read back. Keys come from [`super::keys`], the attribute vocabulary from
//! [`super::codec`]. See `docs/data-model.md`.

use aws_sdk_dynamodb::types::AttributeValue;
use domain::{
    normalise_product_url, CatalogueProduct, CatalogueProductId, Currency, Email, Gift, GiftId,
    GiftList, GiftSource, HttpUrl, ListDetails, ListId, ListState, Message, Notes, Occasion,
    PersonName, Price, ProductSnapshot, ProductTitle, Quantity, Reservation, ReservationKey,
    ReservationState, ShopName, SurpriseMode, SurprisePolicy, Title, TokenHash, UserId,
};
use time::OffsetDateTime;

use super::codec::{
    attr, date, item, number, put_opt, string, time, DecodeError, Fields, Item, Versioned,
};
use super::keys;
use super::schema::{GSI1_PK, GSI1_SK, PK, SK};

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

fn put_product(item: &mut Item, product: &ProductSnapshot) {
    item.insert(attr::TITLE.into(), string(product.title.as_str()));
    put_opt(
        item,
        attr::BRAND,
        product.brand.as_ref().map(|b| string(b.as_str())),
    );
    put_opt(
        item,
        attr::URL,
        product.url.as_ref().map(|u| string(u.as_str())),
    );
    put_opt(
        item,
        attr::IMAGE_URL,
        product.image_url.as_ref().map(|u| string(u.as_str())),
    );
    if let Some(price) = &product.price {
        item.insert(attr::PRICE.into(), number(price.minor_units()));
        item.insert(attr::CURRENCY.into(), string(price.currency().as_str()));
    }
}

/// A list's meta item, found on its owner's dashboard through `gsi1`.
pub fn list_item(list: &GiftList, gift_count: u32, version: u64) -> Item {
    let mut item = item(keys::list(&list.id), "list", version);
    item.insert(GSI1_PK.into(), string(keys::owner_lists(&list.owner)));
    item.insert(
        GSI1_SK.into(),
        string(keys::owner_list_sk(list.created_at, &list.id)),
    );
    item.insert(attr::OWNER.into(), string(list.owner.as_str()));
    item.insert(attr::TITLE.into(), string(list.details.title.as_str()));
    item.insert(
        attr::OCCASION.into(),
        string(list.details.occasion.as_str()),
    );
    put_opt(
        &mut item,
        attr::EVENT_DATE,
        list.details.event_date.map(date),
    );
    put_opt(
        &mut item,
        attr::MESSAGE,
        list.details.message.as_ref().map(|m| string(m.as_str())),
    );
    item.insert(attr::STATE.into(), string(list.state.as_str()));
    item.insert(attr::SURPRISE.into(), string(list.surprise.mode.as_str()));
    item.insert(
        attr::REVEAL_NAMES.into(),
        AttributeValue::Bool(list.surprise.reveal_names_after_event),
    );
    item.insert(attr::GIFT_COUNT.into(), number(gift_count));
    item.insert(attr::CREATED_AT.into(), time(list.created_at));
    item.insert(attr::UPDATED_AT.into(), time(list.updated_at));
    item
}

/// A gift item: everything the public page shows about the gift.
pub fn gift_item(gift: &Gift, version: u64) -> Item {
    let mut item = item(keys::gift(&gift.list_id, &gift.id), "gift", version);
    put_product(&mut item, &gift.product);
    match gift.source {
        GiftSource::Owner => {
            item.insert(attr::SOURCE.into(), string("owner"));
        }
        GiftSource::Catalogue(id) => {
            item.insert(attr::SOURCE.into(), string("catalogue"));
            item.insert(attr::CATALOGUE_ID.into(), string(id.as_str()));
        }
    }
    item.insert(attr::WANTED.into(), number(gift.wanted.get()));
    item.insert(attr::RESERVED.into(), number(gift.reserved));
    item.insert(attr::BOUGHT.into(), number(gift.bought));
    put_opt(
        &mut item,
        attr::NOTES,
        gift.notes.as_ref().map(|t| string(t.as_str())),
    );
    item.insert(attr::CREATED_AT.into(), time(gift.created_at));
    item.insert(attr::UPDATED_AT.into(), time(gift.updated_at));
    item
}

/// A reservation item, keyed by its token's hash (never the token).
pub fn reservation_item(r: &Reservation, version: u64) -> Item {
    let mut item = item(keys::reservation(&r.key), "reservation", version);
    item.insert(attr::GIFT_ID.into(), string(r.gift_id.as_str()));
    item.insert(attr::MAILBOX.into(), string(r.email.mailbox_key()));
    item.insert(attr::EMAIL.into(), string(r.email.as_str()));
    item.insert(attr::NAME.into(), string(r.guest_name.as_str()));
    item.insert(attr::QUANTITY.into(), number(r.quantity.get()));
    item.insert(attr::STATE.into(), string(r.state.as_str()));
    put_opt(
        &mut item,
        attr::USER_ID,
        r.user_id.map(|u| string(u.as_str())),
    );
    item.insert(attr::CREATED_AT.into(), time(r.created_at));
    item.insert(attr::UPDATED_AT.into(), time(r.updated_at));
    item
}

/// A catalogue product item without its version (written by an update that raises it).
pub fn product_item(p: &CatalogueProduct) -> Item {
    let mut item = keys::product(&p.id);
    if let Some(url) = &p.product.url {
        item.insert(
            GSI1_PK.into(),
            string(keys::product_url(&normalise_product_url(url))),
        );
        item.insert(GSI1_SK.into(), string(keys::PRODUCT_ITEM));
    }
    item.insert(attr::KIND.into(), string("product"));
    put_product(&mut item, &p.product);
    put_opt(
        &mut item,
        attr::RETAILER,
        p.retailer.as_ref().map(|r| string(r.as_str())),
    );
    item
}

// ---- Decoding ----

/// A decoded list meta item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    pub list: GiftList,
    pub gift_count: u32,
    pub version: u64,
    /// Set once the list's deletion has started: from then on it is gone for every reader.
    pub deleted_at: Option<OffsetDateTime>,
}

impl StoredList {
    /// The list, unless its deletion has started.
    pub fn live(self) -> Option<StoredList> {
        self.deleted_at.is_none().then_some(self)
    }
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

fn product(f: &Fields) -> Result<ProductSnapshot, DecodeError> {
    let price = match (
        f.opt_n::<u64>(attr::PRICE)?,
        f.opt_parse(attr::CURRENCY, Currency::parse)?,
    ) {
        (Some(minor), Some(currency)) => {
            Some(Price::new(minor, currency).map_err(|e| Fields::error(attr::PRICE, e))?)
        }
        (None, None) => None,
        _ => {
            return Err(Fields::error(
                attr::PRICE,
                "price and currency must come together",
            ))
        }
    };
    Ok(ProductSnapshot {
        title: f.parse(attr::TITLE, ProductTitle::parse)?,
        brand: f.opt_parse(attr::BRAND, ShopName::parse)?,
        url: f.opt_parse(attr::URL, HttpUrl::parse)?,
        image_url: f.opt_parse(attr::IMAGE_URL, HttpUrl::parse)?,
        price,
    })
}

fn list_id(f: &Fields) -> Result<ListId, DecodeError> {
    f.key_id(PK, keys::LIST, ListId::parse)
}

fn quantity(n: u32) -> Result<Quantity, String> {
    Quantity::new(n).map_err(|e| e.to_string())
}

/// Decodes a list meta item.
pub fn decode_list(item: &Item) -> Result<StoredList, DecodeError> {
    let f = Fields(item);
    let list = GiftList {
        id: list_id(&f)?,
        owner: f.parse(attr::OWNER, UserId::parse)?,
        details: ListDetails {
            title: f.parse(attr::TITLE, Title::parse)?,
            occasion: f.parse(attr::OCCASION, Occasion::parse)?,
            event_date: f.date(attr::EVENT_DATE)?,
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
        deleted_at: f.opt_time(attr::DELETED_AT)?,
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
        id: f.key_id(SK, keys::GIFT, GiftId::parse)?,
        list_id: list_id(&f)?,
        product: product(&f)?,
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
            list_id: list_id(&f)?,
            hash: f.key_id(SK, keys::RESERVATION, TokenHash::parse)?,
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

/// Decodes a catalogue product item.
pub fn decode_product(item: &Item) -> Result<CatalogueProduct, DecodeError> {
    let f = Fields(item);
    Ok(CatalogueProduct {
        id: f.key_id(PK, keys::PRODUCT, CatalogueProductId::parse)?,
        product: product(&f)?,
        retailer: f.opt_parse(attr::RETAILER, ShopName::parse)?,
    })
}

/// Decodes an item of a list's partition by its sort key; `None` for kinds this version does
/// not know (so that adding a kind later does not break older servers, and the
/// active-reservation markers that earlier versions wrote are passed over).
pub fn decode_partition_item(item: &Item) -> Result<Option<PartitionItem>, DecodeError> {
    let sk = Fields(item).s(SK)?;
    Ok(if sk == keys::LIST_META {
        Some(PartitionItem::List(decode_list(item)?))
    } else if sk.starts_with(keys::GIFT) {
        Some(PartitionItem::Gift(decode_gift(item)?))
    } else if sk.starts_with(keys::RESERVATION) {
        Some(PartitionItem::Reservation(decode_reservation(item)?))
    } else {
        // Unknown kinds.
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
        let outcome = domain::rules::reserve(&list, &gift, request, &token, now).unwrap();
        let item = reservation_item(&outcome.reservation, 1);
        assert_eq!(item[attr::MAILBOX], string("annlee@gmail.com"));
        assert_eq!(
            decode_reservation(&item).unwrap().value,
            outcome.reservation
        );

        let product = CatalogueProduct {
            id: CatalogueProductId::generate(),
            product: gift.product.clone(),
            retailer: None,
        };
        let item = product_item(&product);
        assert_eq!(
            item[GSI1_PK],
            string(keys::product_url("https://example.com/cot"))
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
            (attr::WANTED, Some(number(0)), attr::WANTED),
            (attr::WANTED, Some(string("3")), attr::WANTED),
            (attr::RESERVED, Some(number(-1)), attr::RESERVED),
            (attr::TITLE, Some(string("")), attr::TITLE),
            (attr::TITLE, None, attr::TITLE),
            (attr::CURRENCY, None, attr::PRICE),
            (
                attr::CREATED_AT,
                Some(string("yesterday")),
                attr::CREATED_AT,
            ),
            (attr::VERSION, None, attr::VERSION),
            (attr::SOURCE, Some(string("shop")), attr::SOURCE),
            (SK, Some(string("L#G#short")), SK),
            (PK, Some(string("PRODUCT#x")), PK),
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
        other.insert(SK.into(), string("X#something"));
        assert_eq!(decode_partition_item(&other), Ok(None));
        // An earlier version's active-reservation marker is skipped without being decoded.
        let mut marker = Item::from([(PK.to_owned(), string(keys::list_pk(&list.id)))]);
        marker.insert(
            SK.into(),
            string(format!("M#{}#a@example.com", GiftId::generate())),
        );
        assert_eq!(decode_partition_item(&marker), Ok(None));
    }
}
