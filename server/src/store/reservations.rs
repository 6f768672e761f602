//! Reservations: reserving, the guest's reservation page and its actions. Each action is one
//! transaction over the gift (under its version, which serialises every reservation of that
//! gift, so nothing is ever over-reserved), the reservation, the list's meta item and the
//! mailbox's active-reservation marker. See "Concurrency" in `docs/data-model.md`.

use std::sync::Mutex;

use app::ports::{no_mail, GuestNews, Letters, ReservationDetails, Reserved, StoreError};
use domain::{
    rules, Gift, GiftId, GiftList, ListId, Quantity, Reservation, ReservationKey, ReservationToken,
    ReserveRequest, RuleError, TokenHash,
};
use time::OffsetDateTime;

use super::codec::{attr, string, Versioned};
use super::gifts;
use super::items::{decode_marker, decode_reservation, gift_item, marker_item, reservation_item};
use super::keys;
use super::lists::{self, load_meta};
use super::outbox;
use super::table::{Expr, Round, Table};

/// The marker exists and points at the reservation whose token hashes to `hash`.
fn points_at(hash: &TokenHash) -> Expr {
    Expr::condition("#hash = :hash")
        .name("#hash", attr::HASH)
        .value(":hash", string(hash.as_str()))
}

async fn load(
    table: &Table,
    op: &'static str,
    key: &ReservationKey,
) -> Result<Option<Versioned<Reservation>>, StoreError> {
    table
        .load(op, keys::reservation(key), decode_reservation)
        .await
}

/// Where the marker of a (gift, mailbox) leads.
#[derive(Debug)]
enum Active {
    /// No marker: the mailbox holds no active reservation of the gift.
    None,
    /// The active reservation, and the marker (token hash, version) that points at it.
    Found(Versioned<Reservation>, Versioned<TokenHash>),
    /// The marker pointed at a reservation that was gone or no longer active when read.
    Stale(Versioned<TokenHash>),
}

/// The active reservation of `mailbox` for a gift, found through its marker.
async fn active(
    table: &Table,
    op: &'static str,
    list_id: &ListId,
    gift_id: &GiftId,
    mailbox: &str,
) -> Result<Active, StoreError> {
    let marker = table
        .load(op, keys::marker(list_id, gift_id, mailbox), decode_marker)
        .await?;
    let Some(marker) = marker else {
        return Ok(Active::None);
    };
    let key = ReservationKey {
        list_id: *list_id,
        hash: marker.value.clone(),
    };
    Ok(match load(table, op, &key).await? {
        Some(r)
            if r.value.is_active()
                && r.value.gift_id == *gift_id
                && r.value.email.mailbox_key() == mailbox =>
        {
            Active::Found(r, marker)
        }
        _ => Active::Stale(marker),
    })
}

pub async fn reserve(
    table: &Table,
    list_id: &ListId,
    gift_id: &GiftId,
    request: &ReserveRequest,
    now: OffsetDateTime,
    letters: Letters<'_>,
) -> Result<Reserved, StoreError> {
    const OP: &str = "reserve";
    let mailbox = &request.email.mailbox_key();
    // A marker that led to no active reservation in the previous round.
    let stale: &Mutex<Option<Versioned<TokenHash>>> = &Mutex::new(None);
    table
        .retry(OP, move || async move {
            // The reads need no order: the write below re-checks each of them when it commits
            // (the gift's version, the marker's hash, the old reservation's version).
            let (meta, gift, existing) = tokio::try_join!(
                load_meta(table, OP, list_id),
                gifts::load(table, OP, list_id, gift_id),
                active(table, OP, list_id, gift_id, mailbox)
            )?;
            let meta = meta.ok_or(StoreError::NotFound)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            let existing = match existing {
                Active::None => None,
                Active::Found(reservation, marker) => Some((reservation, marker)),
                Active::Stale(marker) => {
                    let mut seen = stale.lock().unwrap_or_else(|e| e.into_inner());
                    if seen.as_ref() == Some(&marker) {
                        // The same marker twice, leading nowhere both times. A race cannot do
                        // that (a marker's hash and version never come back), so it is wrong.
                        return Err(table.damaged(
                            OP,
                            "an active-reservation marker points at no active reservation",
                        ));
                    }
                    // Read just as that reservation was settled or re-keyed: a lost race.
                    *seen = Some(marker);
                    return Ok(Round::Lost);
                }
            };
            let token = ReservationToken::generate(*list_id);
            let outcome = rules::reserve(
                &meta.list,
                &gift.value,
                existing.as_ref().map(|(r, _)| &r.value),
                request.clone(),
                &token,
                now,
            )?;
            let reservation = &outcome.reservation;
            let version = existing.as_ref().map_or(1, |(old, _)| old.version + 1);
            let mut writes = vec![
                table.check(keys::list(list_id), lists::open())?,
                table.put(
                    gift_item(&outcome.gift, gift.version + 1),
                    Expr::version(gift.version),
                )?,
                table.put(reservation_item(reservation, version), Expr::absent())?,
            ];
            match &outcome.replaces {
                // The marker must not exist yet: the table itself keeps one active
                // reservation per gift and mailbox.
                None => writes.push(table.put(marker_item(reservation, 1), Expr::absent())?),
                // The rule grew the reservation it was given and moved it to the new token.
                Some(old_key) => {
                    let (old, marker) = existing.as_ref().ok_or(StoreError::Corrupt)?;
                    writes.push(
                        table.delete(keys::reservation(old_key), Expr::version(old.version))?,
                    );
                    writes.push(table.put(
                        marker_item(reservation, marker.version + 1),
                        points_at(&old_key.hash),
                    )?);
                }
            }
            let mails = letters(&GuestNews {
                list: &meta.list,
                gift: &outcome.gift,
                reservation,
                token: &token,
            });
            writes.extend(outbox::enqueue_all(table, &mails, now)?);
            let (reservation, gift) = (outcome.reservation.clone(), outcome.gift);
            let done = if outcome.replaces.is_none() {
                Reserved::Created {
                    token,
                    reservation,
                    gift,
                }
            } else {
                Reserved::Increased {
                    token,
                    reservation,
                    gift,
                }
            };
            Ok(table.transact(OP, writes).await?.or_lost(done))
        })
        .await
}

pub async fn details(
    table: &Table,
    token: &ReservationToken,
) -> Result<Option<ReservationDetails>, StoreError> {
    const OP: &str = "reservation";
    let key = token.key();
    let Some(reservation) = load(table, OP, &key).await? else {
        return Ok(None);
    };
    let (meta, gift) = tokio::try_join!(
        load_meta(table, OP, &key.list_id),
        gifts::load(table, OP, &key.list_id, &reservation.value.gift_id)
    )?;
    Ok(Some(ReservationDetails {
        reservation: reservation.value,
        gift: gift.map(|g| g.value),
        list: meta.map(|m| m.list),
    }))
}

/// Reads a reservation with its gift and list, applies `rule`, and writes gift and
/// reservation together (change, cancel, confirm), with the marker when the reservation stops
/// being active, and the mails `letters` writes. Nothing is written (and nobody mailed) when
/// the rule changes nothing.
pub async fn change<F>(
    table: &Table,
    op: &'static str,
    token: &ReservationToken,
    now: OffsetDateTime,
    letters: Letters<'_>,
    rule: F,
) -> Result<(Gift, Reservation), StoreError>
where
    F: Fn(&GiftList, &Gift, &Reservation) -> Result<(Gift, Reservation), RuleError> + Send + Sync,
{
    let key = &token.key();
    let rule = &rule;
    table
        .retry(op, move || async move {
            let reservation = load(table, op, key)
                .await?
                .ok_or(StoreError::ReservationNotFound)?;
            let gift_id = reservation.value.gift_id;
            let (meta, gift) = tokio::try_join!(
                load_meta(table, op, &key.list_id),
                gifts::load(table, op, &key.list_id, &gift_id)
            )?;
            let meta = meta.ok_or(StoreError::NotFound)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            let (new_gift, new_reservation) = rule(&meta.list, &gift.value, &reservation.value)?;
            if new_reservation == reservation.value {
                return Ok(Round::Done((gift.value, reservation.value)));
            }
            // An increase needs an open list; anything else only needs the list to exist.
            let list_condition = if new_reservation.quantity > reservation.value.quantity {
                lists::open()
            } else {
                lists::exists()
            };
            let mut writes = vec![
                table.check(keys::list(&key.list_id), list_condition)?,
                table.put(
                    gift_item(&new_gift, gift.version + 1),
                    Expr::version(gift.version),
                )?,
                table.put(
                    reservation_item(&new_reservation, reservation.version + 1),
                    Expr::version(reservation.version),
                )?,
            ];
            if reservation.value.is_active() && !new_reservation.is_active() {
                // Cancelled or bought: the mailbox no longer holds an active reservation of
                // the gift, so its marker goes (a change of quantity leaves it as it is).
                writes
                    .push(table.delete(keys::marker_of(&reservation.value), points_at(&key.hash))?);
            }
            let mails = letters(&GuestNews {
                list: &meta.list,
                gift: &new_gift,
                reservation: &new_reservation,
                token,
            });
            writes.extend(outbox::enqueue_all(table, &mails, now)?);
            Ok(table
                .transact(op, writes)
                .await?
                .or_lost((new_gift, new_reservation)))
        })
        .await
}

pub async fn change_quantity(
    table: &Table,
    token: &ReservationToken,
    quantity: Quantity,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), StoreError> {
    change(
        table,
        "change_reservation",
        token,
        now,
        &no_mail,
        |list, gift, r| rules::change_quantity(list, gift, r, quantity, now),
    )
    .await
}

pub async fn cancel(
    table: &Table,
    token: &ReservationToken,
    now: OffsetDateTime,
) -> Result<(Gift, Reservation), StoreError> {
    change(
        table,
        "cancel_reservation",
        token,
        now,
        &no_mail,
        |_, gift, r| rules::cancel(gift, r, now),
    )
    .await
}

pub async fn confirm_purchase(
    table: &Table,
    token: &ReservationToken,
    now: OffsetDateTime,
    letters: Letters<'_>,
) -> Result<(Gift, Reservation), StoreError> {
    change(
        table,
        "confirm_purchase",
        token,
        now,
        letters,
        |_, gift, r| rules::confirm_purchase(gift, r, now),
    )
    .await
}
