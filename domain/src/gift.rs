//! Gifts on a list: the product, how many are wanted and how many guests took.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::RuleError;
use crate::ids::{CatalogueProductId, GiftId, ListId};
use crate::list::OwnerVisibility;
use crate::product::{normalise_product_url, ProductSnapshot};
use crate::quantity::Quantity;
use crate::text::Notes;

/// Where a gift came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GiftSource {
    /// Picked from the shared catalogue.
    Catalogue(CatalogueProductId),
    /// Entered by the list's owner.
    Owner,
}

/// A gift on a list, with its reservation counters.
///
/// `reserved` and `bought` are the totals of the gift's reserved and bought reservations;
/// only the functions in [`crate::rules`] change them. Methods change the gift in place and
/// stamp `updated_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gift {
    pub id: GiftId,
    pub list_id: ListId,
    pub product: ProductSnapshot,
    pub source: GiftSource,
    pub wanted: Quantity,
    pub reserved: u32,
    pub bought: u32,
    pub notes: Option<Notes>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Gift {
    /// What this gift weighs on its list's public page, in bytes: its texts and links as
    /// stored, its notes counted at their longest (an edit may lengthen them later without the
    /// list being weighed again), and a fixed part for ids, counts, dates and attribute names.
    pub fn page_weight(&self) -> usize {
        const FIXED: usize = 200;
        let product = &self.product;
        FIXED
            + product.title.as_str().len()
            + product.brand.as_ref().map_or(0, |b| b.as_str().len())
            + product.url.as_ref().map_or(0, |u| u.as_str().len())
            + product.image_url.as_ref().map_or(0, |u| u.as_str().len())
            + Notes::MAX_CHARS * 4
    }
}

/// The counts the list's owner may see for one gift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerGiftCounts {
    pub wanted: u32,
    /// `None` when the owner asked for a surprise.
    pub reserved: Option<u32>,
    /// `None` when the owner asked for a surprise.
    pub bought: Option<u32>,
}

impl Gift {
    /// A new gift that nobody has reserved yet.
    pub fn new(
        id: GiftId,
        list_id: ListId,
        product: ProductSnapshot,
        source: GiftSource,
        wanted: Quantity,
        notes: Option<Notes>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            list_id,
            product,
            source,
            wanted,
            reserved: 0,
            bought: 0,
            notes,
            created_at: now,
            updated_at: now,
        }
    }

    /// How many can still be reserved.
    pub fn remaining(&self) -> u32 {
        self.wanted.get().saturating_sub(self.committed())
    }

    /// How many are reserved or bought.
    pub fn committed(&self) -> u32 {
        self.reserved.saturating_add(self.bought)
    }

    /// The product link in the form used to spot duplicates.
    pub fn normalised_url(&self) -> Option<String> {
        self.product.url.as_ref().map(normalise_product_url)
    }

    /// The counts the owner may see.
    pub fn owner_view(&self, vis: OwnerVisibility) -> OwnerGiftCounts {
        let shown = |n| (vis != OwnerVisibility::Nothing).then_some(n);
        OwnerGiftCounts {
            wanted: self.wanted.get(),
            reserved: shown(self.reserved),
            bought: shown(self.bought),
        }
    }

    /// Changes how many are wanted; never below what guests already reserved or bought.
    pub fn set_wanted(&mut self, wanted: Quantity, now: OffsetDateTime) -> Result<(), RuleError> {
        let committed = self.committed();
        if wanted.get() < committed {
            return Err(RuleError::BelowCommitted { committed });
        }
        self.wanted = wanted;
        self.updated_at = now;
        Ok(())
    }

    /// Replaces the notes for givers.
    pub fn set_notes(&mut self, notes: Option<Notes>, now: OffsetDateTime) {
        self.notes = notes;
        self.updated_at = now;
    }

    /// Refuses removal while guests have reserved or bought any.
    pub fn check_removable(&self) -> Result<(), RuleError> {
        if self.committed() > 0 {
            return Err(RuleError::GiftHasReservations {
                reserved: self.reserved,
                bought: self.bought,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::money::Price;
    use crate::text::{ProductTitle, ShopName};
    use crate::url::HttpUrl;
    use time::macros::datetime;

    pub(crate) fn product(url: Option<&str>) -> ProductSnapshot {
        ProductSnapshot {
            title: ProductTitle::parse("Baby monitor").unwrap(),
            brand: Some(ShopName::parse("Acme").unwrap()),
            url: url.map(|u| HttpUrl::parse(u).unwrap()),
            image_url: None,
            price: Some(Price::parse("49.99", "GBP").unwrap()),
        }
    }

    pub(crate) fn sample_gift(list_id: ListId, wanted: u32) -> Gift {
        Gift::new(
            GiftId::generate(),
            list_id,
            product(Some("https://example.com/monitor?ref=1")),
            GiftSource::Owner,
            Quantity::new(wanted).unwrap(),
            None,
            datetime!(2025-01-01 12:00 UTC),
        )
    }

    #[test]
    fn new_gift_has_nothing_reserved() {
        let gift = sample_gift(ListId::generate(), 3);
        assert_eq!((gift.reserved, gift.bought), (0, 0));
        assert_eq!(gift.remaining(), 3);
        assert_eq!(gift.committed(), 0);
        assert_eq!(
            gift.normalised_url().as_deref(),
            Some("https://example.com/monitor")
        );
    }

    #[test]
    fn counters() {
        let mut gift = sample_gift(ListId::generate(), 3);
        gift.reserved = 1;
        gift.bought = 2;
        assert_eq!(gift.committed(), 3);
        assert_eq!(gift.remaining(), 0);
        // Inconsistent stored counters never underflow or overflow.
        gift.reserved = u32::MAX;
        assert_eq!(gift.remaining(), 0);
        assert_eq!(gift.committed(), u32::MAX);
    }

    #[test]
    fn owner_view_hides_counts_in_surprise_mode() {
        let mut gift = sample_gift(ListId::generate(), 4);
        gift.reserved = 1;
        gift.bought = 2;
        let hidden = gift.owner_view(OwnerVisibility::Nothing);
        assert_eq!(
            hidden,
            OwnerGiftCounts {
                wanted: 4,
                reserved: None,
                bought: None
            }
        );
        for vis in [OwnerVisibility::Counts, OwnerVisibility::Names] {
            let seen = gift.owner_view(vis);
            assert_eq!((seen.reserved, seen.bought), (Some(1), Some(2)));
        }
    }

    #[test]
    fn set_wanted_never_goes_below_committed() {
        let mut gift = sample_gift(ListId::generate(), 5);
        gift.reserved = 2;
        gift.bought = 1;
        let later = datetime!(2025-02-01 00:00 UTC);
        assert_eq!(
            gift.set_wanted(Quantity::new(2).unwrap(), later),
            Err(RuleError::BelowCommitted { committed: 3 })
        );
        assert_eq!(gift.wanted.get(), 5);
        assert_ne!(gift.updated_at, later);
        assert_eq!(gift.set_wanted(Quantity::new(3).unwrap(), later), Ok(()));
        assert_eq!(gift.wanted.get(), 3);
        assert_eq!(gift.updated_at, later);
    }

    #[test]
    fn notes_edits() {
        let mut gift = sample_gift(ListId::generate(), 1);
        let later = datetime!(2025-02-01 00:00 UTC);
        gift.set_notes(Some(Notes::parse("Blue please").unwrap()), later);
        assert_eq!(gift.notes.as_ref().map(Notes::as_str), Some("Blue please"));
        assert_eq!(gift.updated_at, later);
    }

    #[test]
    fn removable_only_without_reservations() {
        let mut gift = sample_gift(ListId::generate(), 2);
        assert_eq!(gift.check_removable(), Ok(()));
        gift.bought = 1;
        assert_eq!(
            gift.check_removable(),
            Err(RuleError::GiftHasReservations {
                reserved: 0,
                bought: 1
            })
        );
    }

    #[test]
    fn serde_round_trip() {
        let mut gift = sample_gift(ListId::generate(), 2);
        gift.source = GiftSource::Catalogue(CatalogueProductId::generate());
        let json = serde_json::to_string(&gift).unwrap();
        assert_eq!(serde_json::from_str::<Gift>(&json).unwrap(), gift);
        let owner = serde_json::to_string(&GiftSource::Owner).unwrap();
        assert_eq!(owner, "\"owner\"");
    }
}
