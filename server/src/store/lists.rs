//! Lists: their meta item, the reads of a list's partition, and deletion at any size.
//!
//! Every write to a list's partition carries a condition on the meta item (its version,
//! `state = open`, `owner = :me` or its existence), and every one of those conditions also
//! requires that the list's deletion has not started ([`live`]). So once a list is tombstoned,
//! nothing in its partition can change and no reader sees it. See "Deleting a list" in
//! `docs/data-model.md`.

use app::ports::{ListEdit, ListPage, OwnerListData, StoreError};
use domain::{Gift, GiftList, ListId, ListState, Reservation, UserId};
use time::OffsetDateTime;

use super::codec::{attr, number, string, Versioned};
use super::items::{decode_list, decode_partition_item, list_item, PartitionItem, StoredList};
use super::keys;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::table::{Expr, Round, Table, Written};

// ---- Conditions on the meta item ----

/// The list's deletion has not started.
pub fn live() -> Expr {
    Expr::condition("attribute_not_exists(#deleted)").name("#deleted", attr::DELETED_AT)
}

/// The list exists and is not being deleted.
pub fn exists() -> Expr {
    Expr::exists().and(live())
}

/// The list is open (so it exists, and is not being deleted).
pub fn open() -> Expr {
    Expr::condition("#state = :open")
        .name("#state", attr::STATE)
        .value(":open", string(ListState::Open.as_str()))
        .and(live())
}

/// `owner` owns the list, and it is not being deleted.
pub fn owned_by(owner: &UserId) -> Expr {
    Expr::condition("#owner = :owner")
        .name("#owner", attr::OWNER)
        .value(":owner", string(owner.as_str()))
        .and(live())
}

/// `meta` when it exists and `owner` owns it; `NotFound` otherwise (the two look the same).
pub fn owned(meta: Option<StoredList>, owner: &UserId) -> Result<StoredList, StoreError> {
    meta.filter(|m| m.list.is_owned_by(owner))
        .ok_or(StoreError::NotFound)
}

// ---- Reads ----

/// The list's meta item; `None` when it is missing or being deleted.
pub async fn load_meta(
    table: &Table,
    op: &'static str,
    list_id: &ListId,
) -> Result<Option<StoredList>, StoreError> {
    Ok(table
        .load(op, keys::list(list_id), decode_list)
        .await?
        .and_then(StoredList::live))
}

/// The items of a list's partition.
#[derive(Debug, Default)]
pub struct Partition {
    /// `None` when the list is missing or being deleted.
    pub meta: Option<StoredList>,
    /// Oldest first.
    pub gifts: Vec<Versioned<Gift>>,
    pub reservations: Vec<Versioned<Reservation>>,
}

/// How much of a partition to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The meta item and the gifts: what the public page shows.
    Page,
    /// Everything, reservations included.
    Whole,
}

/// One (paginated) strongly consistent query of a list's partition.
pub async fn load_partition(
    table: &Table,
    op: &'static str,
    list_id: &ListId,
    scope: Scope,
) -> Result<Partition, StoreError> {
    let mut query = table
        .query()
        .consistent_read(true)
        .expression_attribute_names("#pk", PK)
        .expression_attribute_values(":pk", string(keys::list_pk(list_id)));
    query = match scope {
        Scope::Whole => query.key_condition_expression("#pk = :pk"),
        Scope::Page => query
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :page)")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":page", string(keys::LIST_PAGE)),
    };
    let mut partition = Partition::default();
    for item in table.query_all(op, query).await? {
        match table.decode(op, &item, decode_partition_item)? {
            Some(PartitionItem::List(meta)) => partition.meta = meta.live(),
            Some(PartitionItem::Gift(gift)) => partition.gifts.push(gift),
            Some(PartitionItem::Reservation(r)) => partition.reservations.push(r),
            None => {}
        }
    }
    partition
        .gifts
        .sort_by_key(|g| (g.value.created_at, g.value.id));
    partition.reservations.sort_by(|a, b| {
        (a.value.created_at, &a.value.key.hash).cmp(&(b.value.created_at, &b.value.key.hash))
    });
    Ok(partition)
}

pub async fn get(table: &Table, list_id: &ListId) -> Result<Option<GiftList>, StoreError> {
    Ok(load_meta(table, "get_list", list_id).await?.map(|m| m.list))
}

pub async fn of_owner(table: &Table, owner: &UserId) -> Result<Vec<GiftList>, StoreError> {
    const OP: &str = "lists_of_owner";
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression("#gpk = :owner AND begins_with(#gsk, :lists)")
        .expression_attribute_names("#gpk", GSI1_PK)
        .expression_attribute_names("#gsk", GSI1_SK)
        .expression_attribute_values(":owner", string(keys::owner_lists(owner)))
        .expression_attribute_values(":lists", string(keys::OWNER_LIST))
        .scan_index_forward(false);
    let mut lists = Vec::new();
    for item in table.query_all(OP, query).await? {
        // The index lags the table: a list whose deletion has just started may still be here.
        if let Some(meta) = table.decode(OP, &item, decode_list)?.live() {
            lists.push(meta.list);
        }
    }
    Ok(lists)
}

pub async fn page(table: &Table, list_id: &ListId) -> Result<Option<ListPage>, StoreError> {
    let partition = load_partition(table, "list_page", list_id, Scope::Page).await?;
    Ok(partition.meta.map(|meta| ListPage {
        list: meta.list,
        gifts: partition.gifts.into_iter().map(|g| g.value).collect(),
    }))
}

pub async fn of_owner_whole(
    table: &Table,
    owner: &UserId,
    list_id: &ListId,
) -> Result<OwnerListData, StoreError> {
    let partition = load_partition(table, "owner_list", list_id, Scope::Whole).await?;
    let meta = owned(partition.meta, owner)?;
    Ok(OwnerListData {
        list: meta.list,
        gifts: partition.gifts.into_iter().map(|g| g.value).collect(),
        reservations: partition
            .reservations
            .into_iter()
            .map(|r| r.value)
            .collect(),
    })
}

// ---- Writes ----

pub async fn create(table: &Table, list: &GiftList) -> Result<(), StoreError> {
    const OP: &str = "create_list";
    let writes = vec![
        table.put(list_item(list, 0, 1), Expr::absent())?,
        super::tools::count(
            table,
            domain::Kpi::ListCreated,
            list.created_at,
            list.id.as_str(),
        )?,
    ];
    match table.transact(OP, writes).await? {
        Written::Committed => Ok(()),
        _ => {
            tracing::warn!(operation = OP, list = %list.id, "a list with this id exists");
            Err(StoreError::Conflict)
        }
    }
}

pub async fn edit(
    table: &Table,
    owner: &UserId,
    list_id: &ListId,
    edit: &ListEdit,
    now: OffsetDateTime,
) -> Result<GiftList, StoreError> {
    const OP: &str = "edit_list";
    table
        .retry(OP, move || async move {
            let meta = owned(load_meta(table, OP, list_id).await?, owner)?;
            let mut list = meta.list.clone();
            match edit {
                ListEdit::Details(details) => list.update_details(details.clone(), now),
                ListEdit::Surprise(policy) => list.set_surprise(*policy, now),
                ListEdit::Close => list.close(now),
            }
            if list == meta.list {
                return Ok(Round::Done(list));
            }
            let item = list_item(&list, meta.gift_count, meta.version + 1);
            let expr = Expr::version(meta.version).and(owned_by(owner));
            Ok(table.put_item(OP, item, expr).await?.or_lost(list))
        })
        .await
}

/// Deletes a list of `owner`'s, whatever its size.
///
/// 1. One conditional update tombstones the meta item (`deleted_at`, a raised version, and its
///    index keys moved from the owner's dashboard to the `DELETING` queue). From that moment
///    the list is gone for every reader and every write to its partition fails its condition.
/// 2. [`finish_deletion`] removes the rest in batches, the meta item last. If it is
///    interrupted, deleting again or [`finish_deletions`] (`server sweep`) completes it.
pub async fn delete(table: &Table, owner: &UserId, list_id: &ListId) -> Result<(), StoreError> {
    const OP: &str = "delete_list";
    let now = OffsetDateTime::now_utc();
    let tombstone = Expr::default()
        .name("#deleted", attr::DELETED_AT)
        .name("#gpk", GSI1_PK)
        .name("#gsk", GSI1_SK)
        .name("#v", attr::VERSION)
        .value(":now", super::codec::time(now))
        .value(":deleting", string(keys::DELETING))
        .value(":at", string(keys::deleting_sk(now, list_id)))
        .value(":one", number(1))
        .and(owned_by(owner));
    let tombstone = &tombstone;
    let written = table
        .retry(OP, move || async move {
            Ok(
                match table
                    .update_item(
                        OP,
                        keys::list(list_id),
                        "SET #deleted = :now, #gpk = :deleting, #gsk = :at, #v = #v + :one",
                        tombstone.clone(),
                    )
                    .await?
                {
                    Written::Conflicted => Round::Lost,
                    other => Round::Done(other),
                },
            )
        })
        .await?;
    if written == Written::ConditionFailed {
        // Missing, someone else's, or already being deleted: finish an earlier deletion of
        // the owner's own list, otherwise it is not theirs to delete.
        let meta = table.load(OP, keys::list(list_id), decode_list).await?;
        match meta {
            Some(meta) if meta.deleted_at.is_some() && meta.list.is_owned_by(owner) => {}
            _ => return Err(StoreError::NotFound),
        }
    }
    finish_deletion(table, list_id).await
}

/// Removes what is left of a tombstoned list: every item of its partition by key, in batches,
/// then the meta item itself (only while it is still a tombstone). Safe to run again.
pub async fn finish_deletion(table: &Table, list_id: &ListId) -> Result<(), StoreError> {
    const OP: &str = "finish_deletion";
    let query = table
        .query()
        .consistent_read(true)
        .key_condition_expression("#pk = :pk")
        .projection_expression("#pk, #sk")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#sk", SK)
        .expression_attribute_values(":pk", string(keys::list_pk(list_id)));
    let meta = keys::list(list_id);
    let rest: Vec<_> = table
        .query_all(OP, query)
        .await?
        .into_iter()
        .filter(|key| *key != meta)
        .collect();
    let count = rest.len();
    table.batch_delete(OP, rest).await?;
    let tombstoned =
        Expr::condition("attribute_exists(#deleted)").name("#deleted", attr::DELETED_AT);
    // A failed condition: the meta item is already gone (another run finished first).
    table.delete_item(OP, meta, tombstoned).await?;
    tracing::info!(operation = OP, list = %list_id, items = count + 1, "list deleted");
    Ok(())
}

/// Finishes every deletion that was interrupted (the `DELETING` queue, oldest first). Returns
/// how many lists it finished.
pub async fn finish_deletions(table: &Table) -> Result<usize, StoreError> {
    const OP: &str = "finish_deletions";
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression("#gpk = :deleting")
        .expression_attribute_names("#gpk", GSI1_PK)
        .expression_attribute_values(":deleting", string(keys::DELETING));
    let mut finished = 0;
    for item in table.query_all(OP, query).await? {
        let meta = table.decode(OP, &item, decode_list)?;
        finish_deletion(table, &meta.list.id).await?;
        finished += 1;
    }
    Ok(finished)
}
