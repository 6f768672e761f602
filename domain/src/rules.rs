//! The rules for reserving gifts and changing lists, as pure functions.
//!
//! Each function takes the current state (and `now`) and returns the new state or a
//! [`RuleError`] whose message can be shown to the person as it is. The caller loads the
//! state, calls the rule and writes what it returns (conditionally, so that two guests
//! racing for the last item cannot both win). Nothing here reads a clock or a database.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::email::Email;
use crate::error::RuleError;
use crate::gift::Gift;
use crate::ids::{ReservationToken, UserId};
use crate::list::{GiftList, OwnerVisibility};
use crate::quantity::Quantity;
use crate::reservation::{Reservation, ReservationState};
use crate::text::{Notes, PersonName};

/// Most gifts on one list.
pub const MAX_GIFTS_PER_LIST: usize = 500;

/// The most a list's gifts may weigh together ([`Gift::page_weight`]): what one read of the
/// public page costs at most (about 1.25 MB, where 500 gifts of unbounded links and notes
/// could be 4 MB). 500 gifts with ordinary titles and shop links fit.
pub const MAX_LIST_WEIGHT: usize = 1_250_000;

/// What a guest asks for when reserving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRequest {
    pub guest_name: PersonName,
    pub email: Email,
    pub quantity: Quantity,
    /// Set when the guest is signed in.
    pub user_id: Option<UserId>,
}

/// The result of [`reserve`]: the gift and reservation to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveOutcome {
    pub gift: Gift,
    /// A new reservation, keyed by the request's new token.
    pub reservation: Reservation,
}

/// Reserves `req.quantity` of `gift` for a guest: always a **new** reservation under
/// `new_token`, whatever the guest's mailbox already holds.
///
/// Reservations are never merged: the person at the keyboard has only typed an email address,
/// so reserving must neither tell them what that mailbox holds (every answer is the same) nor
/// change a reservation they hold no token for (its name, its quantity, its link). A guest who
/// reserves the same gift twice holds two reservations, each with its own link. How often one
/// mailbox or address may reserve is bounded by the rate limits, not here.
pub fn reserve(
    list: &GiftList,
    gift: &Gift,
    req: ReserveRequest,
    new_token: &ReservationToken,
    now: OffsetDateTime,
) -> Result<ReserveOutcome, RuleError> {
    check_reservable(list, gift, req.quantity)?;
    if new_token.list_id() != list.id {
        return Err(RuleError::ReservationMismatch);
    }
    let reservation = Reservation {
        key: new_token.key(),
        gift_id: gift.id,
        guest_name: req.guest_name,
        email: req.email,
        quantity: req.quantity,
        state: ReservationState::Reserved,
        user_id: req.user_id,
        created_at: now,
        updated_at: now,
    };
    let mut gift = gift.clone();
    gift.reserved = gift.reserved.saturating_add(req.quantity.get());
    gift.updated_at = now;
    Ok(ReserveOutcome { gift, reservation })
}

/// Whether `quantity` of `gift` could be reserved now: the gift is on the list, the list is
/// open and enough is left. What makes an attempt to reserve a real one (see the rate limits);
/// [`reserve`] checks it again on the state it writes over.
pub fn check_reservable(list: &GiftList, gift: &Gift, quantity: Quantity) -> Result<(), RuleError> {
    if gift.list_id != list.id {
        return Err(RuleError::GiftNotOnList);
    }
    if !list.is_open() {
        return Err(RuleError::ListClosed);
    }
    ensure_available(gift, quantity.get())
}

/// Changes how many an active reservation holds. Increases need enough left and an open
/// list; decreases are always allowed; the same quantity changes nothing.
pub fn change_quantity(
    list: &GiftList,
    gift: &Gift,
    reservation: &Reservation,
    new_quantity: Quantity,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), RuleError> {
    if gift.list_id != list.id {
        return Err(RuleError::GiftNotOnList);
    }
    ensure_belongs(gift, reservation)?;
    ensure_active(reservation)?;
    let current = reservation.quantity.get();
    let wanted = new_quantity.get();
    let mut gift = gift.clone();
    if wanted > current {
        if !list.is_open() {
            return Err(RuleError::ListClosed);
        }
        let remaining = gift.remaining();
        let delta = wanted.saturating_sub(current);
        if delta > remaining {
            return Err(RuleError::NotEnoughLeft {
                remaining: remaining.saturating_add(current),
            });
        }
        gift.reserved = gift.reserved.saturating_add(delta);
    } else if wanted < current {
        gift.reserved = gift.reserved.saturating_sub(current.saturating_sub(wanted));
    } else {
        return Ok((gift, reservation.clone()));
    }
    gift.updated_at = now;
    let mut reservation = reservation.clone();
    reservation.quantity = new_quantity;
    reservation.updated_at = now;
    Ok((gift, reservation))
}

/// Cancels an active reservation, giving its items back. Allowed on closed lists.
pub fn cancel(
    gift: &Gift,
    reservation: &Reservation,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), RuleError> {
    settle(gift, reservation, ReservationState::Cancelled, now)
}

/// Marks an active reservation as bought. Allowed on closed lists.
pub fn confirm_purchase(
    gift: &Gift,
    reservation: &Reservation,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), RuleError> {
    settle(gift, reservation, ReservationState::Bought, now)
}

/// Moves an active reservation to a final state and its items out of `reserved`.
fn settle(
    gift: &Gift,
    reservation: &Reservation,
    state: ReservationState,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), RuleError> {
    ensure_belongs(gift, reservation)?;
    ensure_active(reservation)?;
    let quantity = reservation.quantity.get();
    let mut gift = gift.clone();
    gift.reserved = gift.reserved.saturating_sub(quantity);
    if state == ReservationState::Bought {
        gift.bought = gift.bought.saturating_add(quantity);
    }
    gift.updated_at = now;
    let mut reservation = reservation.clone();
    reservation.state = state;
    reservation.updated_at = now;
    Ok((gift, reservation))
}

/// An owner's edit of a gift: how many are wanted and the notes for givers, applied together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftEdit {
    /// Never below what guests already reserved or bought.
    pub wanted: Quantity,
    pub notes: Option<Notes>,
}

/// Applies an owner's edit to `gift`: the gift as it must be stored, or the gift unchanged
/// when the edit changes nothing.
pub fn edit_gift(
    list: &GiftList,
    gift: &Gift,
    edit: &GiftEdit,
    now: OffsetDateTime,
) -> Result<Gift, RuleError> {
    if gift.list_id != list.id {
        return Err(RuleError::GiftNotOnList);
    }
    if gift.wanted == edit.wanted && gift.notes == edit.notes {
        return Ok(gift.clone());
    }
    let mut edited = gift.clone();
    edited
        .set_wanted(edit.wanted, now)
        .map_err(|e| as_seen_by_owner(list, now, e))?;
    edited.set_notes(edit.notes.clone(), now);
    Ok(edited)
}

/// Checks that the owner may remove `gift` from `list`: no guest has reserved or bought any.
pub fn remove_gift(list: &GiftList, gift: &Gift, now: OffsetDateTime) -> Result<(), RuleError> {
    if gift.list_id != list.id {
        return Err(RuleError::GiftNotOnList);
    }
    gift.check_removable()
        .map_err(|e| as_seen_by_owner(list, now, e))
}

/// A refusal as the list's owner may read it: when the owner sees nothing of reservations
/// (surprise mode), a refusal because guests hold the gift says so without counts.
fn as_seen_by_owner(list: &GiftList, now: OffsetDateTime, err: RuleError) -> RuleError {
    let hidden = list.owner_visibility(now.date()) == OwnerVisibility::Nothing;
    match err {
        RuleError::BelowCommitted { .. } | RuleError::GiftHasReservations { .. } if hidden => {
            RuleError::HeldByGuests
        }
        other => other,
    }
}

/// Checks that `gift` may be added to `list`, given the gifts it already has.
///
/// `existing` may hold gifts of other lists; only those on `list` count.
pub fn add_gift(list: &GiftList, existing: &[Gift], gift: &Gift) -> Result<(), RuleError> {
    if gift.list_id != list.id {
        return Err(RuleError::GiftNotOnList);
    }
    if !list.is_open() {
        return Err(RuleError::ListClosed);
    }
    let on_list: Vec<&Gift> = existing.iter().filter(|g| g.list_id == list.id).collect();
    if on_list.iter().any(|g| g.id == gift.id) {
        return Err(RuleError::GiftAlreadyOnList);
    }
    if on_list.len() >= MAX_GIFTS_PER_LIST {
        return Err(RuleError::TooManyGifts {
            max: MAX_GIFTS_PER_LIST,
        });
    }
    let weight: usize = on_list.iter().map(|g| g.page_weight()).sum();
    if weight + gift.page_weight() > MAX_LIST_WEIGHT {
        return Err(RuleError::ListFull);
    }
    if let Some(url) = gift.normalised_url() {
        if on_list
            .iter()
            .any(|g| g.normalised_url().as_ref() == Some(&url))
        {
            return Err(RuleError::DuplicateGift);
        }
    }
    Ok(())
}

fn ensure_available(gift: &Gift, quantity: u32) -> Result<(), RuleError> {
    match gift.remaining() {
        0 => Err(RuleError::NoneLeft),
        remaining if quantity > remaining => Err(RuleError::NotEnoughLeft { remaining }),
        _ => Ok(()),
    }
}

fn ensure_belongs(gift: &Gift, reservation: &Reservation) -> Result<(), RuleError> {
    if reservation.gift_id == gift.id && reservation.key.list_id == gift.list_id {
        Ok(())
    } else {
        Err(RuleError::ReservationMismatch)
    }
}

fn ensure_active(reservation: &Reservation) -> Result<(), RuleError> {
    if reservation.is_active() {
        Ok(())
    } else {
        Err(RuleError::ReservationNotActive {
            state: reservation.state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gift::tests::{product, sample_gift};
    use crate::ids::{GiftId, ListId};
    use crate::list::tests::sample_list;
    use crate::url::HttpUrl;
    use proptest::prelude::*;
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2025-03-01 10:00 UTC);

    fn q(n: u32) -> Quantity {
        Quantity::new(n).unwrap()
    }

    fn request(email: &str, quantity: u32) -> ReserveRequest {
        ReserveRequest {
            guest_name: PersonName::parse("Ann").unwrap(),
            email: Email::parse(email).unwrap(),
            quantity: q(quantity),
            user_id: None,
        }
    }

    /// A list with one gift of which `wanted` are wanted.
    fn setup(wanted: u32) -> (GiftList, Gift) {
        let list = sample_list();
        let gift = sample_gift(list.id, wanted);
        (list, gift)
    }

    fn reserve_new(list: &GiftList, gift: &Gift, email: &str, n: u32) -> ReserveOutcome {
        let token = ReservationToken::generate(list.id);
        reserve(list, gift, request(email, n), &token, NOW).unwrap()
    }

    #[test]
    fn reserve_creates_a_reservation() {
        let (list, gift) = setup(3);
        let token = ReservationToken::generate(list.id);
        let mut req = request("ann@example.com", 2);
        let user = UserId::generate();
        req.user_id = Some(user);
        let out = reserve(&list, &gift, req, &token, NOW).unwrap();
        assert_eq!(out.gift.reserved, 2);
        assert_eq!(out.gift.remaining(), 1);
        assert_eq!(out.gift.updated_at, NOW);
        let r = &out.reservation;
        assert_eq!(r.key, token.key());
        assert_eq!(r.gift_id, gift.id);
        assert_eq!(r.quantity, q(2));
        assert_eq!(r.state, ReservationState::Reserved);
        assert_eq!(r.user_id, Some(user));
        assert_eq!((r.created_at, r.updated_at), (NOW, NOW));
    }

    #[test]
    fn reserving_again_from_the_same_mailbox_makes_a_second_reservation() {
        let (list, gift) = setup(5);
        let first = reserve_new(&list, &gift, "ann.lee@gmail.com", 1);
        let token = ReservationToken::generate(list.id);
        let later = NOW + Duration::minutes(5);
        let mut req = request("annlee+party@googlemail.com", 2);
        req.guest_name = PersonName::parse("Not Ann").unwrap();
        let out = reserve(&list, &first.gift, req, &token, later).unwrap();
        // The first reservation is not touched: not its name, its quantity nor its link.
        assert_eq!(out.reservation.key, token.key());
        assert_ne!(out.reservation.key, first.reservation.key);
        assert_eq!(out.reservation.quantity, q(2));
        assert_eq!(out.reservation.guest_name.as_str(), "Not Ann");
        assert_eq!(out.reservation.created_at, later);
        assert_eq!(out.gift.reserved, 3);
    }

    #[test]
    fn reserve_refusals() {
        let (list, gift) = setup(2);
        let token = ReservationToken::generate(list.id);
        let go = |list: &GiftList, gift: &Gift, req, token: &ReservationToken| {
            reserve(list, gift, req, token, NOW).map(|o| o.reservation.quantity.get())
        };

        let mut closed = list.clone();
        closed.close(NOW);
        assert_eq!(
            go(&closed, &gift, request("a@b.co", 1), &token),
            Err(RuleError::ListClosed)
        );

        let elsewhere = sample_gift(ListId::generate(), 2);
        assert_eq!(
            go(&list, &elsewhere, request("a@b.co", 1), &token),
            Err(RuleError::GiftNotOnList)
        );

        let foreign_token = ReservationToken::generate(ListId::generate());
        assert_eq!(
            go(&list, &gift, request("a@b.co", 1), &foreign_token),
            Err(RuleError::ReservationMismatch)
        );

        assert_eq!(
            go(&list, &gift, request("a@b.co", 3), &token),
            Err(RuleError::NotEnoughLeft { remaining: 2 })
        );

        let full = reserve_new(&list, &gift, "bob@example.com", 2);
        assert_eq!(
            go(&list, &full.gift, request("a@b.co", 1), &token),
            Err(RuleError::NoneLeft)
        );

        assert_eq!(
            check_reservable(&list, &full.gift, q(1)),
            Err(RuleError::NoneLeft)
        );
        assert_eq!(check_reservable(&list, &gift, q(2)), Ok(()));
    }

    #[test]
    fn an_edit_changes_wanted_and_notes_together_or_not_at_all() {
        let (list, mut gift) = setup(5);
        gift.reserved = 2;
        gift.bought = 1;
        let later = NOW + Duration::days(1);
        let notes = Some(Notes::parse("White please").unwrap());
        let edit = GiftEdit {
            wanted: q(4),
            notes: notes.clone(),
        };
        let edited = edit_gift(&list, &gift, &edit, later).unwrap();
        assert_eq!((edited.wanted, &edited.notes), (q(4), &notes));
        assert_eq!(edited.updated_at, later);
        // Below what guests hold: refused whole, the notes with it.
        let below = GiftEdit {
            wanted: q(2),
            notes: None,
        };
        assert_eq!(
            edit_gift(&list, &edited, &below, later),
            Err(RuleError::BelowCommitted { committed: 3 })
        );
        // The same values: the gift as it was, not even a new time.
        assert_eq!(edit_gift(&list, &edited, &edit, NOW), Ok(edited.clone()));
        let (other, _) = setup(1);
        assert_eq!(
            edit_gift(&other, &gift, &edit, later),
            Err(RuleError::GiftNotOnList)
        );
    }

    #[test]
    fn in_surprise_mode_the_owner_is_refused_without_counts() {
        let (mut list, mut gift) = setup(5);
        gift.reserved = 2;
        gift.bought = 1;
        let fewer = GiftEdit {
            wanted: q(1),
            notes: None,
        };
        // Counts mode (the default): the owner may know how many.
        assert_eq!(
            edit_gift(&list, &gift, &fewer, NOW),
            Err(RuleError::BelowCommitted { committed: 3 })
        );
        assert_eq!(
            remove_gift(&list, &gift, NOW),
            Err(RuleError::GiftHasReservations {
                reserved: 2,
                bought: 1
            })
        );
        list.surprise.mode = crate::list::SurpriseMode::Surprise;
        assert_eq!(
            edit_gift(&list, &gift, &fewer, NOW),
            Err(RuleError::HeldByGuests)
        );
        assert_eq!(remove_gift(&list, &gift, NOW), Err(RuleError::HeldByGuests));
        assert!(!RuleError::HeldByGuests
            .to_string()
            .chars()
            .any(|c| c.is_ascii_digit()));
        gift.reserved = 0;
        gift.bought = 0;
        assert_eq!(remove_gift(&list, &gift, NOW), Ok(()));
    }

    #[test]
    fn change_quantity_up_and_down() {
        let (list, gift) = setup(5);
        let ann = reserve_new(&list, &gift, "ann@example.com", 2);
        let bob = reserve_new(&list, &ann.gift, "bob@example.com", 1);
        let gift = bob.gift;
        let later = NOW + Duration::hours(1);

        let (g, r) = change_quantity(&list, &gift, &ann.reservation, q(4), later).unwrap();
        assert_eq!((g.reserved, r.quantity, r.updated_at), (5, q(4), later));

        assert_eq!(
            change_quantity(&list, &gift, &ann.reservation, q(5), later),
            Err(RuleError::NotEnoughLeft { remaining: 4 })
        );

        let (g, r) = change_quantity(&list, &gift, &ann.reservation, q(1), later).unwrap();
        assert_eq!((g.reserved, r.quantity), (2, q(1)));

        let same = change_quantity(&list, &gift, &ann.reservation, q(2), later).unwrap();
        assert_eq!(same, (gift.clone(), ann.reservation.clone()));
    }

    #[test]
    fn change_quantity_on_a_closed_list_only_goes_down() {
        let (mut list, gift) = setup(5);
        let ann = reserve_new(&list, &gift, "ann@example.com", 2);
        list.close(NOW);
        assert_eq!(
            change_quantity(&list, &ann.gift, &ann.reservation, q(3), NOW),
            Err(RuleError::ListClosed)
        );
        let (g, _) = change_quantity(&list, &ann.gift, &ann.reservation, q(1), NOW).unwrap();
        assert_eq!(g.reserved, 1);
    }

    #[test]
    fn change_quantity_refusals() {
        let (list, gift) = setup(5);
        let ann = reserve_new(&list, &gift, "ann@example.com", 2);
        let (g, bought) = confirm_purchase(&ann.gift, &ann.reservation, NOW).unwrap();
        let err = change_quantity(&list, &g, &bought, q(1), NOW).unwrap_err();
        assert_eq!(
            err,
            RuleError::ReservationNotActive {
                state: ReservationState::Bought
            }
        );
        assert_eq!(
            err.to_string(),
            "This gift has already been marked as bought."
        );
        let (g, cancelled) = cancel(&ann.gift, &ann.reservation, NOW).unwrap();
        assert_eq!(
            change_quantity(&list, &g, &cancelled, q(1), NOW)
                .unwrap_err()
                .to_string(),
            "This reservation was cancelled."
        );
        let other = sample_gift(list.id, 5);
        assert_eq!(
            change_quantity(&list, &other, &ann.reservation, q(1), NOW),
            Err(RuleError::ReservationMismatch)
        );
        let elsewhere = sample_gift(ListId::generate(), 5);
        assert_eq!(
            change_quantity(&list, &elsewhere, &ann.reservation, q(1), NOW),
            Err(RuleError::GiftNotOnList)
        );
    }

    #[test]
    fn cancel_and_confirm() {
        let (mut list, gift) = setup(4);
        let ann = reserve_new(&list, &gift, "ann@example.com", 3);
        list.close(NOW);
        let later = NOW + Duration::days(1);

        let (g, r) = cancel(&ann.gift, &ann.reservation, later).unwrap();
        assert_eq!((g.reserved, g.bought), (0, 0));
        assert_eq!(
            (r.state, r.updated_at),
            (ReservationState::Cancelled, later)
        );
        assert!(cancel(&g, &r, later).is_err());

        let (g, r) = confirm_purchase(&ann.gift, &ann.reservation, later).unwrap();
        assert_eq!((g.reserved, g.bought), (0, 3));
        assert_eq!(r.state, ReservationState::Bought);
        assert_eq!(
            confirm_purchase(&g, &r, later),
            Err(RuleError::ReservationNotActive {
                state: ReservationState::Bought
            })
        );
        assert_eq!(
            cancel(&g, &r, later).unwrap_err().to_string(),
            "This gift has already been marked as bought."
        );

        let other = sample_gift(list.id, 4);
        assert_eq!(
            confirm_purchase(&other, &ann.reservation, later),
            Err(RuleError::ReservationMismatch)
        );
    }

    #[test]
    fn a_list_s_gifts_are_bounded_in_weight_not_only_in_number() {
        let (list, _) = setup(1);
        let gift_with = |n: usize, link_chars: usize| {
            let mut g = sample_gift(list.id, 1);
            let link = format!("https://shop.example/{n:04}/{}", "a".repeat(link_chars));
            g.product.url = Some(HttpUrl::parse(&link).unwrap());
            g.product.image_url = Some(HttpUrl::parse(&link).unwrap());
            g
        };
        // 499 ordinary gifts (a 126-character link and picture each): the 500th still fits.
        let ordinary: Vec<Gift> = (0..MAX_GIFTS_PER_LIST - 1)
            .map(|n| gift_with(n, 100))
            .collect();
        assert_eq!(add_gift(&list, &ordinary, &gift_with(9999, 100)), Ok(()));
        // Gifts with the longest links fill a list long before 500 of them.
        let fit = MAX_LIST_WEIGHT / gift_with(0, 2000).page_weight();
        let heavy: Vec<Gift> = (0..fit).map(|n| gift_with(n, 2000)).collect();
        assert!(heavy.len() < 200, "{}", heavy.len());
        assert_eq!(
            add_gift(&list, &heavy, &gift_with(9999, 2000)),
            Err(RuleError::ListFull)
        );
        let total: usize = heavy.iter().map(Gift::page_weight).sum();
        assert!(total <= MAX_LIST_WEIGHT);
    }

    #[test]
    fn add_gift_rules() {
        let (list, first) = setup(1);
        let now = NOW;
        let new_gift = |url: Option<&str>| {
            let mut g = sample_gift(list.id, 1);
            g.product = product(url);
            g
        };
        let existing = vec![first.clone()];
        assert_eq!(
            add_gift(&list, &existing, &new_gift(Some("https://x.com/a"))),
            Ok(())
        );
        assert_eq!(add_gift(&list, &existing, &new_gift(None)), Ok(()));
        let dup = new_gift(Some("http://EXAMPLE.com/monitor/?utm=2"));
        assert_eq!(
            add_gift(&list, &existing, &dup),
            Err(RuleError::DuplicateGift)
        );
        assert_eq!(
            RuleError::DuplicateGift.to_string(),
            "This link is already on the list."
        );
        assert_eq!(
            add_gift(&list, &existing, &first),
            Err(RuleError::GiftAlreadyOnList)
        );
        // Gifts of other lists neither clash nor count.
        let mut foreign = sample_gift(ListId::generate(), 1);
        foreign.product = product(Some("https://x.com/a"));
        assert_eq!(
            add_gift(&list, &[foreign], &new_gift(Some("https://x.com/a"))),
            Ok(())
        );
        let elsewhere = sample_gift(ListId::generate(), 1);
        assert_eq!(
            add_gift(&list, &existing, &elsewhere),
            Err(RuleError::GiftNotOnList)
        );
        let mut closed = list.clone();
        closed.close(now);
        assert_eq!(
            add_gift(&closed, &existing, &new_gift(None)),
            Err(RuleError::ListClosed)
        );
    }

    #[test]
    fn add_gift_stops_at_500() {
        let (list, template) = setup(1);
        let mut gifts: Vec<Gift> = (0..499)
            .map(|_| {
                let mut g = template.clone();
                g.id = GiftId::generate();
                g.product = product(None);
                g
            })
            .collect();
        let mut next = template.clone();
        next.id = GiftId::generate();
        next.product = product(None);
        assert_eq!(add_gift(&list, &gifts, &next), Ok(()));
        gifts.push(next);
        let mut one_more = template;
        one_more.id = GiftId::generate();
        one_more.product = product(None);
        let err = add_gift(&list, &gifts, &one_more).unwrap_err();
        assert_eq!(err, RuleError::TooManyGifts { max: 500 });
        assert_eq!(err.to_string(), "A list can have at most 500 gifts.");
    }

    #[test]
    fn messages_read_well() {
        let msg = |e: RuleError| e.to_string();
        assert_eq!(
            msg(RuleError::NoneLeft),
            "Sorry, someone has just reserved the last one."
        );
        assert_eq!(
            msg(RuleError::NotEnoughLeft { remaining: 2 }),
            "Only 2 are still available."
        );
        assert_eq!(
            msg(RuleError::NotEnoughLeft { remaining: 1 }),
            "Only 1 is still available."
        );
        assert_eq!(
            msg(RuleError::NotEnoughLeft { remaining: 0 }),
            "Sorry, someone has just reserved the last one."
        );
        assert_eq!(
            msg(RuleError::BelowCommitted { committed: 3 }),
            "Guests have already reserved or bought 3 of this gift, \
             so you can't ask for fewer than 3."
        );
        assert_eq!(
            msg(RuleError::QuantityTooLarge { max: 99 }),
            "You can reserve at most 99 of one gift."
        );
        let json = serde_json::to_string(&RuleError::ReservationNotActive {
            state: ReservationState::Cancelled,
        })
        .unwrap();
        assert_eq!(
            serde_json::from_str::<RuleError>(&json).unwrap(),
            RuleError::ReservationNotActive {
                state: ReservationState::Cancelled
            }
        );
    }

    // ---- Property test: random operations keep the counters honest. ----

    const EMAILS: [&str; 4] = [
        "ann.lee@gmail.com",
        "annlee+gifts@googlemail.com", // same mailbox as the first
        "bob@example.com",
        "cy@example.org",
    ];

    #[derive(Debug, Clone)]
    enum Op {
        /// Reserve; `existing` picks a reservation to pass as the guest's own (possibly a
        /// wrong one), otherwise the caller's proper lookup is used.
        Reserve {
            email: usize,
            quantity: u32,
        },
        Change {
            index: usize,
            quantity: u32,
        },
        Cancel {
            index: usize,
        },
        Confirm {
            index: usize,
        },
        SetWanted {
            quantity: u32,
        },
        Close,
    }

    fn small_quantity() -> impl Strategy<Value = u32> {
        prop_oneof![4 => 1u32..=4, 1 => 1u32..=99]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0..EMAILS.len(), small_quantity())
                .prop_map(|(email, quantity)| Op::Reserve { email, quantity }),
            3 => (0usize..8, small_quantity()).prop_map(|(index, quantity)| Op::Change { index, quantity }),
            2 => (0usize..8).prop_map(|index| Op::Cancel { index }),
            2 => (0usize..8).prop_map(|index| Op::Confirm { index }),
            2 => small_quantity().prop_map(|quantity| Op::SetWanted { quantity }),
            1 => Just(Op::Close),
        ]
    }

    struct World {
        list: GiftList,
        gift: Gift,
        reservations: Vec<Reservation>,
    }

    impl World {
        fn pick(&self, index: usize) -> Option<&Reservation> {
            match self.reservations.len() {
                0 => None,
                len => self.reservations.get(index % len),
            }
        }

        fn store(&mut self, gift: Gift, reservation: Reservation) {
            self.gift = gift;
            match self
                .reservations
                .iter_mut()
                .find(|r| r.key == reservation.key)
            {
                Some(slot) => *slot = reservation,
                None => self.reservations.push(reservation),
            }
        }

        fn apply(&mut self, op: &Op, now: OffsetDateTime) {
            match *op {
                Op::Reserve { email, quantity } => {
                    let req = request(EMAILS[email], quantity);
                    let token = ReservationToken::generate(self.list.id);
                    if let Ok(out) = reserve(&self.list, &self.gift, req, &token, now) {
                        self.store(out.gift, out.reservation);
                    }
                }
                Op::Change { index, quantity } => {
                    let result = self
                        .pick(index)
                        .map(|r| change_quantity(&self.list, &self.gift, r, q(quantity), now));
                    if let Some(Ok((gift, r))) = result {
                        self.store(gift, r);
                    }
                }
                Op::Cancel { index } | Op::Confirm { index } => {
                    let rule = if matches!(op, Op::Cancel { .. }) {
                        cancel
                    } else {
                        confirm_purchase
                    };
                    if let Some(Ok((gift, r))) = self.pick(index).map(|r| rule(&self.gift, r, now))
                    {
                        self.store(gift, r);
                    }
                }
                Op::SetWanted { quantity } => {
                    let _ = self.gift.set_wanted(q(quantity), now);
                }
                Op::Close => self.list.close(now),
            }
        }

        fn check(&self) -> Result<(), TestCaseError> {
            let sum = |state| {
                self.reservations
                    .iter()
                    .filter(|r| r.state == state)
                    .map(|r| r.quantity.get())
                    .sum::<u32>()
            };
            prop_assert!(self.gift.committed() <= self.gift.wanted.get());
            prop_assert_eq!(self.gift.reserved, sum(ReservationState::Reserved));
            prop_assert_eq!(self.gift.bought, sum(ReservationState::Bought));
            Ok(())
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn operations_keep_counters_consistent(
            wanted in 1u32..=10,
            ops in prop::collection::vec(op(), 1..40),
        ) {
            let (list, gift) = setup(wanted);
            let mut world = World { list, gift, reservations: Vec::new() };
            for (step, op) in ops.iter().enumerate() {
                let seconds = i64::try_from(step).unwrap_or(i64::MAX);
                world.apply(op, NOW + Duration::seconds(seconds));
                world.check()?;
            }
        }
    }
}
