//! Reservations: reserving, the guest's reservation page and its actions. Each action is one
//! transaction over the gift (under its version, which serialises every reservation of that
//! gift, so nothing is ever over-reserved), the reservation, the list's meta item and the
//! mails it causes. See "Concurrency" in `docs/data-model.md`.

use app::ports::{
    no_mail, GuestNews, Letters, ReservationDetails, ReserveDone, Reserved, StoreError,
};
use domain::{
    rules, Gift, GiftId, GiftList, ListId, OnceRequest, Quantity, Reservation, ReservationKey,
    ReservationToken, ReserveRequest, RuleError,
};
use time::OffsetDateTime;

use super::codec::Versioned;
use super::gifts;
use super::items::{decode_reservation, gift_item, reservation_item, StoredList};
use super::keys;
use super::lists::{self, load_meta};
use super::outbox;
use super::table::{Expr, Round, Table};

async fn load(
    table: &Table,
    op: &'static str,
    key: &ReservationKey,
) -> Result<Option<Versioned<Reservation>>, StoreError> {
    table
        .load(op, keys::reservation(key), decode_reservation)
        .await
}

/// A list's meta item and one of its gifts, read at once (consistent): `NotFound` without the
/// list, `GiftNotFound` without the gift.
async fn list_and_gift(
    table: &Table,
    op: &'static str,
    list_id: &ListId,
    gift_id: &GiftId,
) -> Result<(StoredList, Versioned<Gift>), StoreError> {
    let (meta, gift) = tokio::try_join!(
        load_meta(table, op, list_id),
        gifts::load(table, op, list_id, gift_id)
    )?;
    Ok((
        meta.ok_or(StoreError::NotFound)?,
        gift.ok_or(StoreError::GiftNotFound)?,
    ))
}

/// A new reservation (reservations are never merged: [`rules::reserve`]).
pub async fn reserve(
    table: &Table,
    list_id: &ListId,
    gift_id: &GiftId,
    request: &ReserveRequest,
    now: OffsetDateTime,
    letters: Letters<'_>,
    once: Option<&OnceRequest>,
) -> Result<ReserveDone, StoreError> {
    const OP: &str = "reserve";
    table
        .retry(OP, move || async move {
            // The write below re-checks what was read when it commits (the gift's version, the
            // list still open, and that this request was not done meanwhile).
            let (read, done_before) =
                tokio::join!(list_and_gift(table, OP, list_id, gift_id), async {
                    match once {
                        Some(once) => super::once::recorded(table, OP, once, now).await,
                        None => Ok(None),
                    }
                });
            if let (Some(once), Some(sealed)) = (once, done_before?) {
                return Ok(Round::Done(ReserveDone::Again(unseal(
                    OP, list_id, once, &sealed,
                )?)));
            }
            let (meta, gift) = read?;
            let token = ReservationToken::generate(*list_id);
            let outcome = rules::reserve(&meta.list, &gift.value, request.clone(), &token, now)?;
            let reservation = &outcome.reservation;
            let mut writes = vec![
                table.check(keys::list(list_id), lists::open())?,
                table.put(
                    gift_item(&outcome.gift, gift.version + 1),
                    Expr::version(gift.version),
                )?,
                table.put(reservation_item(reservation, 1), Expr::absent())?,
                super::tools::count(table, domain::Kpi::Reservation, now, gift_id.as_str())?,
            ];
            if let Some(once) = once {
                writes.push(super::once::record(table, once, &once.seal(&token), now)?);
            }
            let mails = letters(&GuestNews {
                list: &meta.list,
                gift: &outcome.gift,
                reservation,
                token: &token,
            });
            writes.extend(outbox::enqueue_all(table, &mails, now)?);
            let done = Reserved {
                token,
                reservation: outcome.reservation.clone(),
                gift: outcome.gift,
            };
            Ok(table
                .transact(OP, writes)
                .await?
                .or_lost(ReserveDone::New(Box::new(done))))
        })
        .await
}

/// The reservation that `once` made, if that request was done.
pub async fn reserved_before(
    table: &Table,
    list_id: &ListId,
    once: &OnceRequest,
    now: OffsetDateTime,
) -> Result<Option<ReservationToken>, StoreError> {
    const OP: &str = "reserved_before";
    match super::once::recorded(table, OP, once, now).await? {
        Some(sealed) => unseal(OP, list_id, once, &sealed).map(Some),
        None => Ok(None),
    }
}

fn unseal(
    op: &'static str,
    list_id: &ListId,
    once: &OnceRequest,
    sealed: &str,
) -> Result<ReservationToken, StoreError> {
    once.unseal(*list_id, sealed).ok_or_else(|| {
        tracing::error!(operation = op, "a request's record does not unseal");
        StoreError::Corrupt
    })
}

/// The gift and its list as they are now, for deciding whether reserving `quantity` of it is a
/// real attempt ([`rules::check_reservable`]) before any quota is charged.
pub async fn reservable(
    table: &Table,
    list_id: &ListId,
    gift_id: &GiftId,
    quantity: Quantity,
) -> Result<(), StoreError> {
    let (meta, gift) = list_and_gift(table, "reservable", list_id, gift_id).await?;
    Ok(rules::check_reservable(&meta.list, &gift.value, quantity)?)
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

/// The reservations these tokens open (those that still exist), in one batch read.
pub async fn of_tokens(
    table: &Table,
    tokens: &[ReservationToken],
) -> Result<Vec<Reservation>, StoreError> {
    const OP: &str = "reservations";
    let keys = tokens.iter().map(|t| keys::reservation(&t.key())).collect();
    table
        .batch_get(OP, keys)
        .await?
        .iter()
        .map(|item| table.decode(OP, item, decode_reservation).map(|r| r.value))
        .collect()
}

/// Reads a reservation with its gift and list, applies `rule`, and writes gift and
/// reservation together (change, cancel, confirm), with the mails `letters` writes. Nothing is written (and nobody mailed) when
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
            let (meta, gift) =
                list_and_gift(table, op, &key.list_id, &reservation.value.gift_id).await?;
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
            let mails = letters(&GuestNews {
                list: &meta.list,
                gift: &new_gift,
                reservation: &new_reservation,
                token,
            });
            writes.extend(outbox::enqueue_all(table, &mails, now)?);
            let became =
                (reservation.value.state != new_reservation.state).then_some(new_reservation.state);
            let counted = match became {
                Some(domain::ReservationState::Bought) => Some(domain::Kpi::Purchase),
                Some(domain::ReservationState::Cancelled) => Some(domain::Kpi::Cancellation),
                _ => None,
            };
            if let Some(kpi) = counted {
                writes.push(super::tools::count(table, kpi, now, new_gift.id.as_str())?);
            }
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
