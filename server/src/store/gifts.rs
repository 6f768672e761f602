//! Gifts on a list: adding, the owner's edit, and removal. Each is one transaction with the
//! list's meta item, whose conditions keep the rules true when it commits.

use app::ports::StoreError;
use domain::rules::{self, GiftEdit, MAX_GIFTS_PER_LIST};
use domain::{Gift, GiftId, ListId, UserId};
use time::OffsetDateTime;

use super::codec::{attr, number, Versioned};
use super::items::{decode_gift, gift_item, StoredList};
use super::keys;
use super::lists::{load_meta, load_partition, owned, owned_by, Scope};
use super::table::{Expr, Round, Table};

pub async fn load(
    table: &Table,
    op: &'static str,
    list_id: &ListId,
    gift_id: &GiftId,
) -> Result<Option<Versioned<Gift>>, StoreError> {
    table
        .load(op, keys::gift(list_id, gift_id), decode_gift)
        .await
}

/// A gift on a list of `owner`'s, with the list's meta item (read in parallel).
async fn load_owned(
    table: &Table,
    op: &'static str,
    owner: &UserId,
    list_id: &ListId,
    gift_id: &GiftId,
) -> Result<(StoredList, Versioned<Gift>), StoreError> {
    let (meta, gift) = tokio::try_join!(
        load_meta(table, op, list_id),
        load(table, op, list_id, gift_id)
    )?;
    Ok((owned(meta, owner)?, gift.ok_or(StoreError::GiftNotFound)?))
}

pub async fn add(table: &Table, owner: &UserId, gift: &Gift) -> Result<(), StoreError> {
    const OP: &str = "add_gift";
    let list_id = &gift.list_id;
    let max = u32::try_from(MAX_GIFTS_PER_LIST).unwrap_or(u32::MAX);
    table
        .retry(OP, move || async move {
            let partition = load_partition(table, OP, list_id, Scope::Page).await?;
            let meta = owned(partition.meta, owner)?;
            let existing: Vec<Gift> = partition.gifts.into_iter().map(|g| g.value).collect();
            rules::add_gift(&meta.list, &existing, gift)?;
            let mut writes = vec![
                // Raising the meta's version serialises gift additions and removals, so the
                // rule's duplicate check holds when this commits; the count enforces the
                // maximum.
                table.update(
                    keys::list(list_id),
                    "SET #gc = #gc + :one, #v = #v + :one",
                    Expr::version(meta.version)
                        .and(owned_by(owner))
                        .and(
                            Expr::condition("#gc < :max")
                                .name("#gc", attr::GIFT_COUNT)
                                .value(":max", number(max)),
                        )
                        .value(":one", number(1)),
                )?,
                table.put(gift_item(gift, 1), Expr::absent())?,
                super::tools::count(
                    table,
                    domain::Kpi::GiftAdded,
                    gift.created_at,
                    list_id.as_str(),
                )?,
            ];
            writes.extend(super::tools::queue_gift(table, gift)?);
            Ok(table.transact(OP, writes).await?.or_lost(()))
        })
        .await
}

/// The owner's edit ([`rules::edit_gift`]): how many are wanted and the notes, in one
/// conditional write with the gift's version (so it never undercuts a reservation made since
/// the read) and the list's ownership.
pub async fn edit(
    table: &Table,
    owner: &UserId,
    list_id: &ListId,
    gift_id: &GiftId,
    edit: &GiftEdit,
    now: OffsetDateTime,
) -> Result<Gift, StoreError> {
    const OP: &str = "edit_gift";
    table
        .retry(OP, move || async move {
            let (meta, gift) = load_owned(table, OP, owner, list_id, gift_id).await?;
            let edited = rules::edit_gift(&meta.list, &gift.value, edit, now)?;
            if edited == gift.value {
                return Ok(Round::Done(edited));
            }
            let writes = vec![
                table.check(keys::list(list_id), owned_by(owner))?,
                table.put(
                    gift_item(&edited, gift.version + 1),
                    Expr::version(gift.version),
                )?,
            ];
            Ok(table.transact(OP, writes).await?.or_lost(edited))
        })
        .await
}

pub async fn remove(
    table: &Table,
    owner: &UserId,
    list_id: &ListId,
    gift_id: &GiftId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    const OP: &str = "remove_gift";
    table
        .retry(OP, move || async move {
            let (meta, gift) = load_owned(table, OP, owner, list_id, gift_id).await?;
            rules::remove_gift(&meta.list, &gift.value, now)?;
            let writes = vec![
                table.update(
                    keys::list(list_id),
                    "SET #gc = #gc - :one, #v = #v + :one",
                    Expr::version(meta.version)
                        .and(owned_by(owner))
                        .name("#gc", attr::GIFT_COUNT)
                        .value(":one", number(1)),
                )?,
                // The gift's version proves nobody reserved it since it was read.
                table.delete(keys::gift(list_id, gift_id), Expr::version(gift.version))?,
            ];
            Ok(table.transact(OP, writes).await?.or_lost(()))
        })
        .await
}
