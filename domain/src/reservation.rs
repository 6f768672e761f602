//! Reservations: a guest's promise to give some of a gift.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::email::Email;
use crate::ids::{GiftId, ReservationKey, UserId};
use crate::list::OwnerVisibility;
use crate::quantity::Quantity;
use crate::text::PersonName;

choice!(
    /// Where a reservation stands.
    ReservationState, what: "reservation state",
    {
        /// The guest means to buy it; they can still change or cancel.
        Reserved => "reserved",
        /// The guest bought it; final.
        Bought => "bought",
        /// The guest withdrew; final.
        Cancelled => "cancelled",
    }
);

/// A guest's reservation of some of one gift, found again by its [`ReservationKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub key: ReservationKey,
    pub gift_id: GiftId,
    pub guest_name: PersonName,
    pub email: Email,
    pub quantity: Quantity,
    pub state: ReservationState,
    /// Set when a signed-in user reserved.
    pub user_id: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Reservation {
    /// Whether it still holds items (reserved, not bought or cancelled).
    pub fn is_active(&self) -> bool {
        self.state == ReservationState::Reserved
    }
}

/// What the list's owner may see of one reservation: never the guest's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerReservationView {
    pub guest_name: PersonName,
    pub quantity: Quantity,
    pub state: ReservationState,
    pub gift_id: GiftId,
}

/// The reservations the owner may see: reserved and bought ones, and only when names are
/// visible.
pub fn owner_reservations(
    vis: OwnerVisibility,
    reservations: &[Reservation],
) -> Vec<OwnerReservationView> {
    if vis != OwnerVisibility::Names {
        return Vec::new();
    }
    reservations
        .iter()
        .filter(|r| r.state != ReservationState::Cancelled)
        .map(|r| OwnerReservationView {
            guest_name: r.guest_name.clone(),
            quantity: r.quantity,
            state: r.state,
            gift_id: r.gift_id,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ListId, ReservationToken};
    use time::macros::datetime;

    fn reservation(name: &str, state: ReservationState) -> Reservation {
        let now = datetime!(2025-01-01 12:00 UTC);
        Reservation {
            key: ReservationToken::generate(ListId::generate()).key(),
            gift_id: GiftId::generate(),
            guest_name: PersonName::parse(name).unwrap(),
            email: Email::parse("guest@example.com").unwrap(),
            quantity: Quantity::ONE,
            state,
            user_id: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn states() {
        for state in ReservationState::ALL {
            assert_eq!(ReservationState::parse(state.as_str()), Ok(state));
        }
        assert_eq!(ReservationState::Cancelled.as_str(), "cancelled");
        assert!(ReservationState::parse("canceled").is_err());
        assert!(reservation("Ann", ReservationState::Reserved).is_active());
        assert!(!reservation("Ann", ReservationState::Bought).is_active());
        assert!(!reservation("Ann", ReservationState::Cancelled).is_active());
    }

    #[test]
    fn owner_sees_names_only_when_allowed_and_never_cancelled() {
        let all = [
            reservation("Ann", ReservationState::Reserved),
            reservation("Bob", ReservationState::Bought),
            reservation("Cy", ReservationState::Cancelled),
        ];
        assert!(owner_reservations(OwnerVisibility::Nothing, &all).is_empty());
        assert!(owner_reservations(OwnerVisibility::Counts, &all).is_empty());
        let seen = owner_reservations(OwnerVisibility::Names, &all);
        let names: Vec<&str> = seen.iter().map(|v| v.guest_name.as_str()).collect();
        assert_eq!(names, ["Ann", "Bob"]);
        assert_eq!(seen[1].state, ReservationState::Bought);
        assert_eq!(seen[0].gift_id, all[0].gift_id);
        let json = serde_json::to_string(&seen).unwrap();
        assert!(!json.contains("example.com"));
    }

    #[test]
    fn serde_round_trip() {
        let r = reservation("Ann", ReservationState::Reserved);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["state"], "reserved");
        assert_eq!(serde_json::from_value::<Reservation>(json).unwrap(), r);
    }
}
