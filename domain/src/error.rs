//! Why a rule refused a change: the domain's one error that reaches people as it is.

use serde::{Deserialize, Serialize};

use crate::reservation::ReservationState;

/// Why a rule refused a change, in words for the person who asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum RuleError {
    #[error("This list has been closed, so nothing more can be reserved or added.")]
    ListClosed,
    #[error("This gift is not on this list.")]
    GiftNotOnList,
    #[error("This reservation is not for this gift.")]
    ReservationMismatch,
    #[error("You can reserve at most {max} of one gift.")]
    QuantityTooLarge { max: u32 },
    #[error("Sorry, someone has just reserved the last one.")]
    NoneLeft,
    #[error("{}", only_left(*remaining))]
    NotEnoughLeft { remaining: u32 },
    #[error("{}", not_active(*state))]
    ReservationNotActive { state: ReservationState },
    #[error(
        "Guests have already reserved or bought {committed} of this gift, \
         so you can't ask for fewer than {committed}."
    )]
    BelowCommitted { committed: u32 },
    #[error(
        "This gift can't be removed because guests have reserved ({reserved}) \
         or bought ({bought}) some of it."
    )]
    GiftHasReservations { reserved: u32, bought: u32 },
    /// Guests hold some of the gift, said without how many: what an owner in surprise mode is
    /// told instead of [`RuleError::BelowCommitted`] or [`RuleError::GiftHasReservations`].
    #[error(
        "This gift can't be removed or reduced now: guests have already reserved or bought \
         some of it."
    )]
    HeldByGuests,
    #[error("This link is already on the list.")]
    DuplicateGift,
    #[error("This gift is already on the list.")]
    GiftAlreadyOnList,
    #[error("A list can have at most {max} gifts.")]
    TooManyGifts { max: usize },
    /// The gifts' links and texts together reached what one list may hold
    /// ([`crate::rules::MAX_LIST_WEIGHT`]).
    #[error("This list is full: please remove a gift, or start a second list.")]
    ListFull,
}

fn only_left(remaining: u32) -> String {
    match remaining {
        0 => "Sorry, someone has just reserved the last one.".to_owned(),
        1 => "Only 1 is still available.".to_owned(),
        n => format!("Only {n} are still available."),
    }
}

fn not_active(state: ReservationState) -> &'static str {
    match state {
        ReservationState::Bought => "This gift has already been marked as bought.",
        ReservationState::Cancelled => "This reservation was cancelled.",
        ReservationState::Reserved => "This reservation is still active.",
    }
}
