//! [`DynamoStore`]: the storage port ([`app::ports::Store`]) on the one DynamoDB table.
//!
//! Every action reads what it needs (strongly consistent), applies the domain rule, and writes
//! the result in ONE conditional request: a single-item write, or a `TransactWriteItems` when
//! several items change. Conditions compare each item's version (`v`; on an active-reservation
//! marker, the hash it points at), so a write based on a stale read fails instead of
//! overwriting; the action then re-reads and tries again, at most [`MAX_ATTEMPTS`] times, with a
//! short random pause. See `docs/data-model.md`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use app::ports::{
    GiftEdit, ListEdit, ListPage, OwnerListData, ReservationDetails, Reserved, Store, StoreError,
};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Put, TransactWriteItem, Update,
    WriteRequest,
};
use aws_sdk_dynamodb::Client;
use domain::rules::{self, MAX_GIFTS_PER_LIST};
use domain::{
    CatalogueProduct, Gift, GiftId, GiftList, ListId, Quantity, Reservation, ReservationKey,
    ReservationToken, ReserveRequest, RuleError, TokenHash, UserId,
};
use time::OffsetDateTime;

use super::items::{
    self, attr, decode_gift, decode_list, decode_marker, decode_partition_item, decode_product,
    decode_reservation, describe_key, gift_item, gift_key, list_item, list_key, list_pk,
    marker_item, marker_key, marker_key_of, n, owner_gsi_pk, product_url_gsi_pk, reservation_item,
    reservation_key, s, DecodeError, Item, PartitionItem, StoredList, Versioned,
};
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};

/// How many times an action reads, decides and writes before giving up with
/// [`StoreError::Conflict`].
pub const MAX_ATTEMPTS: u32 = 6;

/// Most items in one `BatchWriteItem`.
const BATCH_SIZE: usize = 25;

/// Rounds of resending a batch's unprocessed items before giving up.
const BATCH_ROUNDS: u32 = 8;

/// The storage port on DynamoDB.
pub struct DynamoStore {
    client: Client,
    table: String,
    lost_races: AtomicU64,
    transaction_conflicts: AtomicU64,
}

impl DynamoStore {
    /// A store on `table` (which `schema::migrate` provisions).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            lost_races: AtomicU64::new(0),
            transaction_conflicts: AtomicU64::new(0),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// How many conditional writes have failed because another request changed the same items
    /// first (each was retried or ended in `Conflict`). For benchmarks and metrics.
    pub fn lost_races(&self) -> u64 {
        self.lost_races.load(Ordering::Relaxed)
    }

    /// How many of those lost races were DynamoDB refusing because another transaction was
    /// working on one of the items (`TransactionConflict`), rather than a failed condition.
    pub fn transaction_conflicts(&self) -> u64 {
        self.transaction_conflicts.load(Ordering::Relaxed)
    }
}

/// A condition and/or update expression with its placeholders.
#[derive(Debug, Default, Clone)]
struct Expr {
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn condition(text: &str) -> Self {
        Self {
            condition: Some(text.to_owned()),
            ..Self::default()
        }
    }

    fn name(mut self, placeholder: &str, name: &str) -> Self {
        self.names.insert(placeholder.to_owned(), name.to_owned());
        self
    }

    fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// Both conditions (their placeholders must not clash).
    fn and(mut self, other: Expr) -> Self {
        self.condition = match (self.condition, other.condition) {
            (Some(a), Some(b)) => Some(format!("({a}) AND ({b})")),
            (a, b) => a.or(b),
        };
        self.names.extend(other.names);
        self.values.extend(other.values);
        self
    }

    /// The item does not exist yet.
    fn absent() -> Self {
        Self::condition("attribute_not_exists(#pk)").name("#pk", PK)
    }

    /// The item exists.
    fn exists() -> Self {
        Self::condition("attribute_exists(#pk)").name("#pk", PK)
    }

    /// The item exists at `version`.
    fn version(version: u64) -> Self {
        Self::condition("#v = :v")
            .name("#v", attr::VERSION)
            .value(":v", n(version))
    }

    /// The list exists and `owner` owns it.
    fn owned_by(owner: &UserId) -> Self {
        Self::condition("#owner = :owner")
            .name("#owner", attr::OWNER)
            .value(":owner", s(owner.as_str()))
    }

    /// The marker exists and points at the reservation whose token hashes to `hash`.
    fn points_at(hash: &TokenHash) -> Self {
        Self::condition("#hash = :hash")
            .name("#hash", attr::HASH)
            .value(":hash", s(hash.as_str()))
    }

    /// The list exists and is open.
    fn open() -> Self {
        Self::condition("#state = :open")
            .name("#state", attr::STATE)
            .value(":open", s(domain::ListState::Open.as_str()))
    }

    /// (condition, names, values), with empty maps as `None` (DynamoDB refuses empty maps).
    #[allow(clippy::type_complexity)]
    fn parts(
        self,
    ) -> (
        Option<String>,
        Option<HashMap<String, String>>,
        Option<HashMap<String, AttributeValue>>,
    ) {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        (self.condition, names, values)
    }
}

/// What a conditional write came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Committed,
    /// A condition was false: the items are not as they were read.
    ConditionFailed,
    /// DynamoDB refused because another transaction held one of the items.
    Conflicted,
}

impl Written {
    fn lost(self) -> bool {
        self != Written::Committed
    }
}

/// The items of a list's partition.
#[derive(Debug, Default)]
struct Partition {
    meta: Option<StoredList>,
    gifts: Vec<Versioned<Gift>>,
    reservations: Vec<Versioned<Reservation>>,
}

/// How much of a partition to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The meta item and the gifts: what the public page shows.
    Page,
    /// Everything, reservations included.
    Whole,
}

// ---- Plumbing: requests, errors, retries ----

impl DynamoStore {
    /// Logs a failed request (once, here) and hides it behind `Unavailable`.
    fn fail<E: std::error::Error>(&self, op: &'static str, err: &E) -> StoreError {
        tracing::error!(
            operation = op,
            table = %self.table,
            error = %DisplayErrorContext(err),
            "DynamoDB request failed"
        );
        StoreError::Unavailable
    }

    /// Logs an item that does not decode and hides it behind `Corrupt`.
    fn corrupt(&self, op: &'static str, item: &Item, err: &DecodeError) -> StoreError {
        let (pk, sk) = describe_key(item);
        tracing::error!(
            operation = op,
            table = %self.table,
            pk = %pk,
            sk = %sk,
            attribute = err.attribute,
            problem = %err.problem,
            "stored item cannot be decoded"
        );
        StoreError::Corrupt
    }

    fn decode<T>(
        &self,
        op: &'static str,
        item: &Item,
        decode: impl FnOnce(&Item) -> Result<T, DecodeError>,
    ) -> Result<T, StoreError> {
        decode(item).map_err(|e| self.corrupt(op, item, &e))
    }

    /// Waits a short random time before the next attempt, longer as attempts go on.
    async fn back_off(&self, attempt: u32) {
        if attempt >= MAX_ATTEMPTS {
            return;
        }
        let upper = (5u64 << attempt.min(3)).min(40);
        let pause = rand::random_range(5..=upper);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }

    fn gave_up(&self, op: &'static str) -> StoreError {
        tracing::warn!(
            operation = op,
            table = %self.table,
            attempts = MAX_ATTEMPTS,
            "gave up after losing every race"
        );
        StoreError::Conflict
    }

    fn record_loss(&self, op: &'static str, codes: &[&str]) {
        self.lost_races.fetch_add(1, Ordering::Relaxed);
        if !codes.contains(&"ConditionalCheckFailed") {
            self.transaction_conflicts.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(operation = op, ?codes, "conditional write lost a race");
    }

    async fn get(&self, op: &'static str, key: Item) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|e| self.fail(op, &e))
    }

    /// Every page of a query.
    async fn query_all(
        &self,
        op: &'static str,
        query: QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.fail(op, &e))?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    fn put(&self, item: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let (condition, names, values) = expr.parts();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| self.fail("build put", &e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(&self, key: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let (condition, names, values) = expr.parts();
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| self.fail("build delete", &e))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn check(&self, key: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let (condition, names, values) = expr.parts();
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| self.fail("build condition check", &e))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    fn update(&self, key: Item, update: &str, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let (condition, names, values) = expr.parts();
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| self.fail("build update", &e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Runs one transaction. Lost races come back as `ConditionFailed`/`Conflicted`; anything
    /// else that fails is logged and `Unavailable`.
    async fn transact(
        &self,
        op: &'static str,
        writes: Vec<TransactWriteItem>,
    ) -> Result<Written, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(Written::Committed),
            Err(err) => err,
        };
        if let SdkError::ServiceError(service) = &err {
            if let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err()
            {
                let codes: Vec<&str> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None"))
                    .collect();
                let raced =
                    |c: &&str| matches!(*c, "ConditionalCheckFailed" | "TransactionConflict");
                let only_races = codes.iter().all(|c| *c == "None" || raced(c));
                if only_races && codes.iter().any(raced) {
                    self.record_loss(op, &codes);
                    return Ok(if codes.contains(&"ConditionalCheckFailed") {
                        Written::ConditionFailed
                    } else {
                        Written::Conflicted
                    });
                }
            }
        }
        Err(self.fail(op, &err))
    }

    /// One conditional `PutItem`.
    async fn put_item(
        &self,
        op: &'static str,
        item: Item,
        expr: Expr,
    ) -> Result<Written, StoreError> {
        let (condition, names, values) = expr.parts();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Committed),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                self.record_loss(op, &["ConditionalCheckFailed"]);
                Ok(Written::ConditionFailed)
            }
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::TransactionConflictException(_)) =>
            {
                self.record_loss(op, &["TransactionConflict"]);
                Ok(Written::Conflicted)
            }
            Err(err) => Err(self.fail(op, &err)),
        }
    }

    /// One conditional `DeleteItem`.
    async fn delete_item(
        &self,
        op: &'static str,
        key: Item,
        expr: Expr,
    ) -> Result<Written, StoreError> {
        let (condition, names, values) = expr.parts();
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Committed),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(Written::ConditionFailed)
            }
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteItemError::TransactionConflictException(_)) =>
            {
                self.record_loss(op, &["TransactionConflict"]);
                Ok(Written::Conflicted)
            }
            Err(err) => Err(self.fail(op, &err)),
        }
    }

    /// Deletes `keys` with `BatchWriteItem`, resending unprocessed items with a growing pause.
    async fn batch_delete(&self, op: &'static str, keys: Vec<Item>) -> Result<(), StoreError> {
        for chunk in keys.chunks(BATCH_SIZE) {
            let mut requests = chunk
                .iter()
                .map(|key| {
                    DeleteRequest::builder()
                        .set_key(Some(key.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| self.fail("build delete request", &e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut round = 0;
            while !requests.is_empty() {
                if round == BATCH_ROUNDS {
                    tracing::error!(
                        operation = op,
                        table = %self.table,
                        left = requests.len(),
                        "batch delete kept leaving items unprocessed"
                    );
                    return Err(StoreError::Unavailable);
                }
                if round > 0 {
                    tokio::time::sleep(Duration::from_millis(25 << round.min(5))).await;
                }
                round += 1;
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(self.table.clone(), requests)
                    .send()
                    .await
                    .map_err(|e| self.fail(op, &e))?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }
}

// ---- Reads ----

impl DynamoStore {
    async fn load_meta(
        &self,
        op: &'static str,
        list_id: &ListId,
    ) -> Result<Option<StoredList>, StoreError> {
        match self.get(op, list_key(list_id)).await? {
            Some(item) => self.decode(op, &item, decode_list).map(Some),
            None => Ok(None),
        }
    }

    /// The list's meta item, when `owner` owns it; `NotFound` otherwise.
    async fn owned_meta(
        &self,
        op: &'static str,
        owner: &UserId,
        list_id: &ListId,
    ) -> Result<StoredList, StoreError> {
        owned(self.load_meta(op, list_id).await?, owner)
    }

    async fn load_gift(
        &self,
        op: &'static str,
        list_id: &ListId,
        gift_id: &GiftId,
    ) -> Result<Option<Versioned<Gift>>, StoreError> {
        match self.get(op, gift_key(list_id, gift_id)).await? {
            Some(item) => self.decode(op, &item, decode_gift).map(Some),
            None => Ok(None),
        }
    }

    async fn load_reservation(
        &self,
        op: &'static str,
        key: &ReservationKey,
    ) -> Result<Option<Versioned<Reservation>>, StoreError> {
        match self.get(op, reservation_key(key)).await? {
            Some(item) => self.decode(op, &item, decode_reservation).map(Some),
            None => Ok(None),
        }
    }

    /// One (paginated) strongly consistent query of a list's partition.
    async fn load_partition(
        &self,
        op: &'static str,
        list_id: &ListId,
        scope: Scope,
    ) -> Result<Partition, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(list_pk(list_id)));
        query = match scope {
            Scope::Whole => query.key_condition_expression("#pk = :pk"),
            Scope::Page => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :page)")
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":page", s(items::PAGE_SK_PREFIX)),
        };
        let mut partition = Partition::default();
        for item in self.query_all(op, query).await? {
            match self.decode(op, &item, decode_partition_item)? {
                Some(PartitionItem::List(meta)) => partition.meta = Some(meta),
                Some(PartitionItem::Gift(gift)) => partition.gifts.push(gift),
                Some(PartitionItem::Reservation(r)) => partition.reservations.push(r),
                None => {}
            }
        }
        partition.gifts.sort_by(|a, b| {
            (a.value.created_at, a.value.id).cmp(&(b.value.created_at, b.value.id))
        });
        partition.reservations.sort_by(|a, b| {
            (a.value.created_at, &a.value.key.hash).cmp(&(b.value.created_at, &b.value.key.hash))
        });
        Ok(partition)
    }

    /// The marker of `mailbox`'s active reservation of a gift: the reservation's token hash.
    async fn load_marker(
        &self,
        op: &'static str,
        list_id: &ListId,
        gift_id: &GiftId,
        mailbox: &str,
    ) -> Result<Option<Versioned<TokenHash>>, StoreError> {
        match self.get(op, marker_key(list_id, gift_id, mailbox)).await? {
            Some(item) => self.decode(op, &item, decode_marker).map(Some),
            None => Ok(None),
        }
    }

    /// The active reservation that `marker` (just read) points at, checked against the gift
    /// and mailbox the marker is for.
    async fn follow_marker(
        &self,
        op: &'static str,
        list_id: &ListId,
        gift_id: &GiftId,
        mailbox: &str,
        marker: Option<Versioned<TokenHash>>,
    ) -> Result<Active, StoreError> {
        let Some(marker) = marker else {
            return Ok(Active::None);
        };
        let key = ReservationKey {
            list_id: *list_id,
            hash: marker.value.clone(),
        };
        Ok(match self.load_reservation(op, &key).await? {
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

/// `meta` when it exists and `owner` owns it; `NotFound` otherwise (the two look the same).
fn owned(meta: Option<StoredList>, owner: &UserId) -> Result<StoredList, StoreError> {
    meta.filter(|m| m.list.is_owned_by(owner))
        .ok_or(StoreError::NotFound)
}

// ---- Shared write paths ----

impl DynamoStore {
    /// Reads a reservation with its gift and list, applies `rule`, and writes gift and
    /// reservation together (change, cancel, confirm), with the marker when the reservation
    /// stops being active.
    async fn change_reservation_with<F>(
        &self,
        op: &'static str,
        token: &ReservationToken,
        rule: F,
    ) -> Result<(Gift, Reservation), StoreError>
    where
        F: Fn(&GiftList, &Gift, &Reservation) -> Result<(Gift, Reservation), RuleError>
            + Send
            + Sync,
    {
        let key = token.key();
        for attempt in 1..=MAX_ATTEMPTS {
            let reservation = self
                .load_reservation(op, &key)
                .await?
                .ok_or(StoreError::ReservationNotFound)?;
            let gift_id = reservation.value.gift_id;
            let (meta, gift) = tokio::try_join!(
                self.load_meta(op, &key.list_id),
                self.load_gift(op, &key.list_id, &gift_id)
            )?;
            let meta = meta.ok_or(StoreError::NotFound)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            let (new_gift, new_reservation) = rule(&meta.list, &gift.value, &reservation.value)?;
            if new_reservation == reservation.value {
                return Ok((gift.value, reservation.value));
            }
            // An increase needs an open list; anything else only needs the list to exist.
            let list_condition = if new_reservation.quantity > reservation.value.quantity {
                Expr::open()
            } else {
                Expr::exists()
            };
            let mut writes = vec![
                self.check(list_key(&key.list_id), list_condition)?,
                self.put(
                    gift_item(&new_gift, gift.version + 1),
                    Expr::version(gift.version),
                )?,
                self.put(
                    reservation_item(&new_reservation, reservation.version + 1),
                    Expr::version(reservation.version),
                )?,
            ];
            if reservation.value.is_active() && !new_reservation.is_active() {
                // Cancelled or bought: the mailbox no longer holds an active reservation of
                // the gift, so its marker goes (a change of quantity leaves it as it is).
                writes.push(self.delete(
                    marker_key_of(&reservation.value),
                    Expr::points_at(&key.hash),
                )?);
            }
            if !self.transact(op, writes).await?.lost() {
                return Ok((new_gift, new_reservation));
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(op))
    }

    /// The write for the list's meta item when a gift changes: a version raise (for changes
    /// that other gift checks depend on) or only an ownership check.
    fn meta_guard(
        &self,
        list_id: &ListId,
        owner: &UserId,
        raise_from: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        match raise_from {
            Some(version) => self.update(
                list_key(list_id),
                "SET #v = #v + :one",
                Expr::version(version)
                    .and(Expr::owned_by(owner))
                    .value(":one", n(1)),
            ),
            None => self.check(list_key(list_id), Expr::owned_by(owner)),
        }
    }
}

#[async_trait::async_trait]
impl Store for DynamoStore {
    async fn create_list(&self, list: &GiftList) -> Result<(), StoreError> {
        const OP: &str = "create_list";
        match self
            .put_item(OP, list_item(list, 0, 1), Expr::absent())
            .await?
        {
            Written::Committed => Ok(()),
            _ => {
                tracing::warn!(operation = OP, list = %list.id, "a list with this id exists");
                Err(StoreError::Conflict)
            }
        }
    }

    async fn get_list(&self, list_id: &ListId) -> Result<Option<GiftList>, StoreError> {
        Ok(self.load_meta("get_list", list_id).await?.map(|m| m.list))
    }

    async fn lists_of_owner(&self, owner: &UserId) -> Result<Vec<GiftList>, StoreError> {
        const OP: &str = "lists_of_owner";
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :owner AND begins_with(#gsk, :lists)")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_names("#gsk", GSI1_SK)
            .expression_attribute_values(":owner", s(owner_gsi_pk(owner)))
            .expression_attribute_values(":lists", s(items::LIST_GSI_SK_PREFIX))
            .scan_index_forward(false);
        self.query_all(OP, query)
            .await?
            .iter()
            .map(|item| self.decode(OP, item, decode_list).map(|m| m.list))
            .collect()
    }

    async fn edit_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
        edit: ListEdit,
        now: OffsetDateTime,
    ) -> Result<GiftList, StoreError> {
        const OP: &str = "edit_list";
        for attempt in 1..=MAX_ATTEMPTS {
            let meta = self.owned_meta(OP, owner, list_id).await?;
            let mut list = meta.list.clone();
            match &edit {
                ListEdit::Details(details) => list.update_details(details.clone(), now),
                ListEdit::Surprise(policy) => list.set_surprise(*policy, now),
                ListEdit::Close => list.close(now),
            }
            if list == meta.list {
                return Ok(list);
            }
            let item = list_item(&list, meta.gift_count, meta.version + 1);
            let expr = Expr::version(meta.version).and(Expr::owned_by(owner));
            if !self.put_item(OP, item, expr).await?.lost() {
                return Ok(list);
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(OP))
    }

    async fn delete_list(&self, owner: &UserId, list_id: &ListId) -> Result<(), StoreError> {
        const OP: &str = "delete_list";
        // 1. The meta item, conditionally: from here on the list is gone for every reader, and
        //    every write to the partition fails its condition on the meta item.
        let mut deleted = false;
        for attempt in 1..=MAX_ATTEMPTS {
            match self
                .delete_item(OP, list_key(list_id), Expr::owned_by(owner))
                .await?
            {
                Written::Committed => {
                    deleted = true;
                    break;
                }
                Written::ConditionFailed => return Err(StoreError::NotFound),
                Written::Conflicted => self.back_off(attempt).await,
            }
        }
        if !deleted {
            return Err(self.gave_up(OP));
        }
        // 2. What is left (gifts, reservations), by key, in batches.
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk")
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(list_pk(list_id)));
        let keys = self.query_all(OP, query).await?;
        let count = keys.len();
        // On failure (logged there) the list is already gone and the rest is unreachable:
        // see "Deleting a list" in docs/data-model.md.
        self.batch_delete(OP, keys).await?;
        tracing::debug!(operation = OP, list = %list_id, items = count + 1, "list deleted");
        Ok(())
    }

    async fn list_page(&self, list_id: &ListId) -> Result<Option<ListPage>, StoreError> {
        let partition = self
            .load_partition("list_page", list_id, Scope::Page)
            .await?;
        Ok(partition.meta.map(|meta| ListPage {
            list: meta.list,
            gifts: partition.gifts.into_iter().map(|g| g.value).collect(),
        }))
    }

    async fn owner_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
    ) -> Result<OwnerListData, StoreError> {
        let partition = self
            .load_partition("owner_list", list_id, Scope::Whole)
            .await?;
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

    async fn add_gift(&self, owner: &UserId, gift: &Gift) -> Result<(), StoreError> {
        const OP: &str = "add_gift";
        let list_id = gift.list_id;
        for attempt in 1..=MAX_ATTEMPTS {
            let partition = self.load_partition(OP, &list_id, Scope::Page).await?;
            let meta = owned(partition.meta, owner)?;
            let existing: Vec<Gift> = partition.gifts.into_iter().map(|g| g.value).collect();
            rules::add_gift(&meta.list, &existing, gift)?;
            let max = u32::try_from(MAX_GIFTS_PER_LIST).unwrap_or(u32::MAX);
            let writes = vec![
                // Raising the meta's version serialises gift additions and removals, so the
                // duplicate check above holds when this commits; the count enforces the maximum.
                self.update(
                    list_key(&list_id),
                    "SET #gc = #gc + :one, #v = #v + :one",
                    Expr::version(meta.version)
                        .and(Expr::owned_by(owner))
                        .and(
                            Expr::condition("#gc < :max")
                                .name("#gc", attr::GIFT_COUNT)
                                .value(":max", n(max)),
                        )
                        .value(":one", n(1)),
                )?,
                self.put(gift_item(gift, 1), Expr::absent())?,
            ];
            if !self.transact(OP, writes).await?.lost() {
                return Ok(());
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(OP))
    }

    async fn edit_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
        edit: GiftEdit,
        now: OffsetDateTime,
    ) -> Result<Gift, StoreError> {
        const OP: &str = "edit_gift";
        for attempt in 1..=MAX_ATTEMPTS {
            // A new link must not duplicate another gift's, so that edit reads every gift.
            let (meta, gift, others) = if matches!(edit, GiftEdit::Product(_)) {
                let partition = self.load_partition(OP, list_id, Scope::Page).await?;
                let (mut this, others): (Vec<_>, Vec<_>) = partition
                    .gifts
                    .into_iter()
                    .partition(|g| g.value.id == *gift_id);
                (partition.meta, this.pop(), others)
            } else {
                let (meta, gift) = tokio::try_join!(
                    self.load_meta(OP, list_id),
                    self.load_gift(OP, list_id, gift_id)
                )?;
                (meta, gift, Vec::new())
            };
            let meta = owned(meta, owner)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            let mut updated = gift.value.clone();
            let mut raise_meta = None;
            match &edit {
                GiftEdit::Wanted(wanted) => updated.set_wanted(*wanted, now)?,
                GiftEdit::Notes(notes) => updated.set_notes(notes.clone(), now),
                GiftEdit::Product(product) => {
                    updated.set_product(product.clone(), now);
                    if let Some(url) = updated.normalised_url() {
                        if gift.value.normalised_url().as_ref() != Some(&url) {
                            let taken = others
                                .iter()
                                .any(|g| g.value.normalised_url().as_ref() == Some(&url));
                            if taken {
                                return Err(RuleError::DuplicateGift.into());
                            }
                            raise_meta = Some(meta.version);
                        }
                    }
                }
            }
            let writes = vec![
                self.meta_guard(list_id, owner, raise_meta)?,
                self.put(
                    gift_item(&updated, gift.version + 1),
                    Expr::version(gift.version),
                )?,
            ];
            if !self.transact(OP, writes).await?.lost() {
                return Ok(updated);
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(OP))
    }

    async fn remove_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
    ) -> Result<(), StoreError> {
        const OP: &str = "remove_gift";
        for attempt in 1..=MAX_ATTEMPTS {
            let (meta, gift) = tokio::try_join!(
                self.load_meta(OP, list_id),
                self.load_gift(OP, list_id, gift_id)
            )?;
            let meta = owned(meta, owner)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            gift.value.check_removable()?;
            let writes = vec![
                self.update(
                    list_key(list_id),
                    "SET #gc = #gc - :one, #v = #v + :one",
                    Expr::version(meta.version)
                        .and(Expr::owned_by(owner))
                        .name("#gc", attr::GIFT_COUNT)
                        .value(":one", n(1)),
                )?,
                // The gift's version proves nobody reserved it since it was read.
                self.delete(gift_key(list_id, gift_id), Expr::version(gift.version))?,
            ];
            if !self.transact(OP, writes).await?.lost() {
                return Ok(());
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(OP))
    }

    async fn reserve(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        request: ReserveRequest,
        now: OffsetDateTime,
    ) -> Result<Reserved, StoreError> {
        const OP: &str = "reserve";
        let mailbox = request.email.mailbox_key();
        // A marker that led to no active reservation in the previous attempt.
        let mut stale: Option<Versioned<TokenHash>> = None;
        for attempt in 1..=MAX_ATTEMPTS {
            // The reads need no order: the write below re-checks each of them when it commits
            // (the gift's version, the marker's hash, the old reservation's version).
            let (meta, gift, marker) = tokio::try_join!(
                self.load_meta(OP, list_id),
                self.load_gift(OP, list_id, gift_id),
                self.load_marker(OP, list_id, gift_id, &mailbox)
            )?;
            let meta = meta.ok_or(StoreError::NotFound)?;
            let gift = gift.ok_or(StoreError::GiftNotFound)?;
            let existing = match self
                .follow_marker(OP, list_id, gift_id, &mailbox, marker)
                .await?
            {
                Active::None => None,
                Active::Found(reservation, marker) => Some((reservation, marker)),
                Active::Stale(marker) => {
                    if stale.as_ref() == Some(&marker) {
                        // The same marker twice, leading nowhere both times. A race cannot do
                        // that (a marker's hash and version never come back), so it is wrong.
                        tracing::error!(
                            operation = OP,
                            table = %self.table,
                            list = %list_id,
                            gift = %gift_id,
                            hash = %marker.value,
                            "an active-reservation marker points at no active reservation"
                        );
                        return Err(StoreError::Corrupt);
                    }
                    // Read just as that reservation was settled or re-keyed: a lost race.
                    stale = Some(marker);
                    self.lost_races.fetch_add(1, Ordering::Relaxed);
                    self.back_off(attempt).await;
                    continue;
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
            // Always under the new token: an increased reservation is re-keyed, so that only
            // the mailbox (which gets the new link by email) can act on it.
            let mut reservation = outcome.reservation;
            reservation.key = token.key();
            let version = existing.as_ref().map_or(1, |(old, _)| old.version + 1);
            let mut writes = vec![
                self.check(list_key(list_id), Expr::open())?,
                self.put(
                    gift_item(&outcome.gift, gift.version + 1),
                    Expr::version(gift.version),
                )?,
                self.put(reservation_item(&reservation, version), Expr::absent())?,
            ];
            match &existing {
                // The marker must not exist yet: the table itself keeps one active
                // reservation per gift and mailbox.
                None => writes.push(self.put(marker_item(&reservation, 1), Expr::absent())?),
                Some((old, marker)) => {
                    writes.push(
                        self.delete(reservation_key(&old.value.key), Expr::version(old.version))?,
                    );
                    writes.push(self.put(
                        marker_item(&reservation, marker.version + 1),
                        Expr::points_at(&old.value.key.hash),
                    )?);
                }
            }
            if !self.transact(OP, writes).await?.lost() {
                let gift = outcome.gift;
                return Ok(if outcome.created {
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
                });
            }
            self.back_off(attempt).await;
        }
        Err(self.gave_up(OP))
    }

    async fn reservation(
        &self,
        token: &ReservationToken,
    ) -> Result<Option<ReservationDetails>, StoreError> {
        const OP: &str = "reservation";
        let key = token.key();
        let Some(reservation) = self.load_reservation(OP, &key).await? else {
            return Ok(None);
        };
        let (meta, gift) = tokio::try_join!(
            self.load_meta(OP, &key.list_id),
            self.load_gift(OP, &key.list_id, &reservation.value.gift_id)
        )?;
        Ok(Some(ReservationDetails {
            reservation: reservation.value,
            gift: gift.map(|g| g.value),
            list: meta.map(|m| m.list),
        }))
    }

    async fn change_reservation(
        &self,
        token: &ReservationToken,
        quantity: Quantity,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError> {
        self.change_reservation_with("change_reservation", token, |list, gift, r| {
            rules::change_quantity(list, gift, r, quantity, now)
        })
        .await
    }

    async fn cancel_reservation(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError> {
        self.change_reservation_with("cancel_reservation", token, |_, gift, r| {
            rules::cancel(gift, r, now)
        })
        .await
    }

    async fn confirm_purchase(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError> {
        self.change_reservation_with("confirm_purchase", token, |_, gift, r| {
            rules::confirm_purchase(gift, r, now)
        })
        .await
    }

    async fn put_catalogue_product(&self, product: &CatalogueProduct) -> Result<(), StoreError> {
        const OP: &str = "put_catalogue_product";
        let mut item = items::product_item(product);
        let key = items::key(items::product_pk(&product.id), items::PRODUCT_SK);
        item.remove(PK);
        item.remove(SK);
        // One update that sets every attribute, removes optional ones the product lacks and
        // raises the version, whether or not the product was stored before.
        let mut expr = Expr::default()
            .name("#v", attr::VERSION)
            .value(":zero", n(0))
            .value(":one", n(1));
        let mut sets = vec!["#v = if_not_exists(#v, :zero) + :one".to_owned()];
        for (i, (name, value)) in item.into_iter().enumerate() {
            sets.push(format!("#a{i} = :a{i}"));
            expr = expr
                .name(&format!("#a{i}"), &name)
                .value(&format!(":a{i}"), value);
        }
        let mut removes = Vec::new();
        for (i, name) in items::PRODUCT_OPTIONAL.iter().enumerate() {
            if !expr.names.values().any(|set| set == name) {
                removes.push(format!("#r{i}"));
                expr = expr.name(&format!("#r{i}"), name);
            }
        }
        let mut update = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            update.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let (_, names, values) = expr.parts();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await
            .map_err(|e| self.fail(OP, &e))?;
        Ok(())
    }

    async fn catalogue_product_by_url(
        &self,
        normalised_url: &str,
    ) -> Result<Option<CatalogueProduct>, StoreError> {
        const OP: &str = "catalogue_product_by_url";
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :url AND #gsk = :p")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_names("#gsk", GSI1_SK)
            .expression_attribute_values(":url", s(product_url_gsi_pk(normalised_url)))
            .expression_attribute_values(":p", s(items::PRODUCT_SK));
        match self.query_all(OP, query).await?.first() {
            Some(item) => self.decode(OP, item, decode_product).map(Some),
            None => Ok(None),
        }
    }

    async fn ping(&self) -> bool {
        super::ping(&self.client, &self.table).await
    }
}
