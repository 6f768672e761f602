//! [`Table`]: the one way to talk to the DynamoDB table. Every store (`lists`, `gifts`,
//! `reservations`, `products`, `users`) goes through it: request builders with their
//! conditions ([`Expr`]), reads to the last page, single-item and transactional writes that
//! report a lost race instead of failing, batched deletes, the bounded [`Table::retry`] of a
//! read-decide-write round, and the mapping of every AWS error to a [`StoreError`] (logged
//! once, here, never shown to a person).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use app::ports::StoreError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, KeysAndAttributes, Put, PutRequest,
    ReturnValue, Select, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use super::codec::{attr, describe_key, number, string, DecodeError, Item};
use super::schema::PK;

/// How many rounds (read, decide, write) an action makes before giving up with
/// [`StoreError::Conflict`].
pub const MAX_ATTEMPTS: u32 = 6;

/// Most items in one `BatchWriteItem`.
pub const BATCH_SIZE: usize = 25;

/// Rounds of resending a batch's unprocessed items before giving up.
const BATCH_ROUNDS: u32 = 8;

/// The most keys one `BatchGetItem` may ask for.
pub const BATCH_GET_SIZE: usize = 100;

/// Sets an [`Expr`]'s condition and placeholders on any request builder (every DynamoDB write
/// builder has the same three setters).
macro_rules! with_expr {
    ($builder:expr, $expr:expr) => {{
        let (condition, names, values) = $expr.parts();
        $builder
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
    }};
}

/// A condition expression with its placeholders (and the values an update uses).
#[derive(Debug, Default, Clone)]
pub struct Expr {
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub fn condition(text: &str) -> Self {
        Self {
            condition: Some(text.to_owned()),
            ..Self::default()
        }
    }

    pub fn name(mut self, placeholder: &str, name: &str) -> Self {
        self.names.insert(placeholder.to_owned(), name.to_owned());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// Whether `name` is already bound to a placeholder.
    pub fn names_attribute(&self, name: &str) -> bool {
        self.names.values().any(|bound| bound == name)
    }

    /// Both conditions (their placeholders must not clash).
    pub fn and(mut self, other: Expr) -> Self {
        self.condition = match (self.condition, other.condition) {
            (Some(a), Some(b)) => Some(format!("({a}) AND ({b})")),
            (a, b) => a.or(b),
        };
        self.names.extend(other.names);
        self.values.extend(other.values);
        self
    }

    /// The item does not exist yet.
    pub fn absent() -> Self {
        Self::condition("attribute_not_exists(#pk)").name("#pk", PK)
    }

    /// The item exists.
    pub fn exists() -> Self {
        Self::condition("attribute_exists(#pk)").name("#pk", PK)
    }

    /// The item exists at `version`.
    pub fn version(version: u64) -> Self {
        Self::condition("#v = :v")
            .name("#v", attr::VERSION)
            .value(":v", number(version))
    }

    /// The item's `user_id` is `user` (an identity or mailbox pointing at its user).
    pub fn points_to_user(user: &str) -> Self {
        Self::condition("#user = :user")
            .name("#user", attr::USER_ID)
            .value(":user", string(user))
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
pub enum Written {
    Committed,
    /// A condition was false: the items are not as they were read.
    ConditionFailed,
    /// DynamoDB refused because another transaction held one of the items.
    Conflicted,
}

impl Written {
    /// `Done(value)` when committed; otherwise the round lost a race.
    pub fn or_lost<T>(self, value: T) -> Round<T> {
        match self {
            Written::Committed => Round::Done(value),
            _ => Round::Lost,
        }
    }
}

/// How one round of [`Table::retry`] ended.
#[derive(Debug)]
pub enum Round<T> {
    Done(T),
    /// Another request changed what this round read: read and decide again.
    Lost,
}

/// The table, its client, and counters of lost races.
#[derive(Debug)]
pub struct Table {
    client: Client,
    name: String,
    lost_races: AtomicU64,
    transaction_conflicts: AtomicU64,
}

impl Table {
    /// The table `name` (which `schema::migrate` provisions).
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
            lost_races: AtomicU64::new(0),
            transaction_conflicts: AtomicU64::new(0),
        }
    }

    /// The table's name.
    pub fn table_name(&self) -> &str {
        &self.name
    }

    /// Rounds that lost a race (each was retried, or ended in `Conflict`).
    pub fn lost_races(&self) -> u64 {
        self.lost_races.load(Ordering::Relaxed)
    }

    /// Writes that DynamoDB refused because another transaction was working on one of the
    /// items (`TransactionConflict`), rather than for a failed condition.
    pub fn transaction_conflicts(&self) -> u64 {
        self.transaction_conflicts.load(Ordering::Relaxed)
    }

    // ---- Errors ----

    /// Logs a failed request (once, here) and hides it behind `Unavailable`.
    pub fn fail<E: std::error::Error>(&self, op: &'static str, err: &E) -> StoreError {
        tracing::error!(
            operation = op,
            table = %self.name,
            error = %DisplayErrorContext(err),
            "DynamoDB request failed"
        );
        StoreError::Unavailable
    }

    /// Decodes `item`; one that does not decode is logged with its key and the attribute at
    /// fault, and becomes `Corrupt`.
    pub fn decode<T>(
        &self,
        op: &'static str,
        item: &Item,
        decode: impl FnOnce(&Item) -> Result<T, DecodeError>,
    ) -> Result<T, StoreError> {
        decode(item).map_err(|err| {
            let (pk, sk) = describe_key(item);
            tracing::error!(
                operation = op,
                table = %self.name,
                pk = %pk,
                sk = %sk,
                attribute = err.attribute,
                problem = %err.problem,
                "stored item cannot be decoded"
            );
            StoreError::Corrupt
        })
    }

    /// Logs that the table holds something that cannot be (an item pointing nowhere) and
    /// answers `Corrupt`.
    pub fn damaged(&self, op: &'static str, what: &str) -> StoreError {
        tracing::error!(operation = op, table = %self.name, problem = what, "the table is damaged");
        StoreError::Corrupt
    }

    // ---- Retries ----

    /// Runs `round` (read, decide, write) until it is done, at most [`MAX_ATTEMPTS`] times,
    /// with a short random pause after each lost race, longer as attempts go on. Errors end it
    /// at once. Giving up answers `Conflict`.
    pub async fn retry<T, F, Fut>(&self, op: &'static str, mut round: F) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Round<T>, StoreError>>,
    {
        for attempt in 1..=MAX_ATTEMPTS {
            match round().await? {
                Round::Done(value) => return Ok(value),
                Round::Lost => {
                    self.lost_races.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(operation = op, attempt, "lost a race");
                    if attempt < MAX_ATTEMPTS {
                        let upper = (5u64 << attempt.min(3)).min(40);
                        let pause = rand::random_range(5..=upper);
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                }
            }
        }
        tracing::warn!(
            operation = op,
            table = %self.name,
            attempts = MAX_ATTEMPTS,
            "gave up after losing every race"
        );
        Err(StoreError::Conflict)
    }

    // ---- Reads ----

    /// A strongly consistent GetItem.
    pub async fn get(&self, op: &'static str, key: Item) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|e| self.fail(op, &e))
    }

    /// A strongly consistent GetItem, decoded.
    pub async fn load<T>(
        &self,
        op: &'static str,
        key: Item,
        decode: impl FnOnce(&Item) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, StoreError> {
        match self.get(op, key).await? {
            Some(item) => self.decode(op, &item, decode).map(Some),
            None => Ok(None),
        }
    }

    /// The items of `keys` that exist, read with strongly consistent `BatchGetItem`s (at most
    /// [`BATCH_GET_SIZE`] keys each; unprocessed keys are asked again with a growing pause), in
    /// no particular order.
    pub async fn batch_get(
        &self,
        op: &'static str,
        keys: Vec<Item>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_SIZE) {
            let got = self
                .until_processed(op, "batch get", chunk.to_vec(), |wanted| async move {
                    let request = KeysAndAttributes::builder()
                        .set_keys(Some(wanted))
                        .consistent_read(true)
                        .build()
                        .map_err(|e| self.fail("build batch get", &e))?;
                    let mut out = self
                        .client
                        .batch_get_item()
                        .request_items(self.name.clone(), request)
                        .send()
                        .await
                        .map_err(|e| self.fail(op, &e))?;
                    let got = out
                        .responses
                        .as_mut()
                        .and_then(|r| r.remove(&self.name))
                        .unwrap_or_default();
                    let left = out
                        .unprocessed_keys
                        .and_then(|mut left| left.remove(&self.name))
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    Ok((left, got))
                })
                .await?;
            found.extend(got);
        }
        Ok(found)
    }

    /// Sends `pending` with `send`, which answers what the table left unprocessed and the items
    /// it returned, again and again with a growing pause until nothing is left; every item
    /// returned, or `Unavailable` after [`BATCH_ROUNDS`].
    async fn until_processed<T, F, Fut>(
        &self,
        op: &'static str,
        what: &'static str,
        mut pending: Vec<T>,
        mut send: F,
    ) -> Result<Vec<Item>, StoreError>
    where
        F: FnMut(Vec<T>) -> Fut,
        Fut: Future<Output = Result<(Vec<T>, Vec<Item>), StoreError>>,
    {
        let mut returned = Vec::new();
        let mut round = 0;
        while !pending.is_empty() {
            if round == BATCH_ROUNDS {
                tracing::error!(
                    operation = op,
                    table = %self.name,
                    left = pending.len(),
                    "{what} kept leaving items unprocessed"
                );
                return Err(StoreError::Unavailable);
            }
            if round > 0 {
                tokio::time::sleep(Duration::from_millis(25 << round.min(5))).await;
            }
            round += 1;
            let (left, got) = send(pending).await?;
            returned.extend(got);
            pending = left;
        }
        Ok(returned)
    }

    /// A query on this table, to be completed by the caller.
    pub fn query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(&self.name)
    }

    /// Every page of a query.
    pub async fn query_all(
        &self,
        op: &'static str,
        query: QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        self.each_page(op, query, |page| {
            items.extend(page.items.unwrap_or_default())
        })
        .await?;
        Ok(items)
    }

    /// Runs `query` to its last page, handing each page to `on_page`.
    async fn each_page(
        &self,
        op: &'static str,
        query: QueryFluentBuilder,
        mut on_page: impl FnMut(QueryOutput),
    ) -> Result<(), StoreError> {
        let mut start = None;
        loop {
            let page = query
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.fail(op, &e))?;
            let next = page
                .last_evaluated_key
                .clone()
                .filter(|key| !key.is_empty());
            on_page(page);
            match next {
                Some(key) => start = Some(key),
                None => return Ok(()),
            }
        }
    }

    /// The first page of a query (its `limit` bounds it).
    pub async fn query_page(
        &self,
        op: &'static str,
        query: QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let page = query.send().await.map_err(|e| self.fail(op, &e))?;
        Ok(page.items.unwrap_or_default())
    }

    /// How many items a query (with `Select::Count`) matches, over every page.
    pub async fn query_count(
        &self,
        op: &'static str,
        query: QueryFluentBuilder,
    ) -> Result<usize, StoreError> {
        let mut count = 0;
        self.each_page(op, query, |page| {
            count += usize::try_from(page.count).unwrap_or(0)
        })
        .await?;
        Ok(count)
    }

    /// Every item that `filter` keeps, by a full scan: for scheduled jobs and operators'
    /// commands, never for a request.
    pub async fn scan_where(
        &self,
        op: &'static str,
        filter: Expr,
    ) -> Result<Vec<Item>, StoreError> {
        let (condition, names, values) = filter.parts();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.name)
                .set_filter_expression(condition.clone())
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(values.clone())
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

    /// One page of segment `segment` of a parallel scan in `segments` segments, and where the
    /// next page starts (`None` after the last): for operators' commands, never for a request.
    pub async fn scan_segment(
        &self,
        op: &'static str,
        segment: u32,
        segments: u32,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let page = self
            .client
            .scan()
            .table_name(&self.name)
            .segment(i32::try_from(segment).unwrap_or(i32::MAX))
            .total_segments(i32::try_from(segments).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| self.fail(op, &e))?;
        let next = page.last_evaluated_key.filter(|key| !key.is_empty());
        Ok((page.items.unwrap_or_default(), next))
    }

    /// How many items the table holds, by a parallel counting scan in `segments` segments
    /// (exact, unlike the table's description, which DynamoDB updates every few hours).
    pub async fn count_items(&self, op: &'static str, segments: u32) -> Result<u64, StoreError> {
        let counts = (0..segments).map(|segment| async move {
            let mut count = 0_u64;
            let mut start = None;
            loop {
                let page = self
                    .client
                    .scan()
                    .table_name(&self.name)
                    .select(Select::Count)
                    .segment(i32::try_from(segment).unwrap_or(i32::MAX))
                    .total_segments(i32::try_from(segments).unwrap_or(i32::MAX))
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .map_err(|e| self.fail(op, &e))?;
                count += u64::try_from(page.count).unwrap_or(0);
                match page.last_evaluated_key {
                    Some(key) if !key.is_empty() => start = Some(key),
                    _ => return Ok::<_, StoreError>(count),
                }
            }
        });
        Ok(futures::future::try_join_all(counts).await?.iter().sum())
    }

    /// Whether the table holds no item at all.
    pub async fn is_empty(&self, op: &'static str) -> Result<bool, StoreError> {
        let page = self
            .client
            .scan()
            .table_name(&self.name)
            .limit(1)
            .select(Select::Count)
            .send()
            .await
            .map_err(|e| self.fail(op, &e))?;
        Ok(page.count == 0 && page.last_evaluated_key.is_none_or(|key| key.is_empty()))
    }

    /// Every item whose `attribute` starts with `prefix`, by a full scan: for operators'
    /// commands and tests, never for a request.
    pub async fn scan_prefix(
        &self,
        op: &'static str,
        attribute: &str,
        prefix: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let filter = Expr::condition("begins_with(#a, :prefix)")
            .name("#a", attribute)
            .value(":prefix", string(prefix));
        self.scan_where(op, filter).await
    }

    // ---- Transactions ----

    pub fn put(&self, item: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let put = with_expr!(
            Put::builder().table_name(&self.name).set_item(Some(item)),
            expr
        )
        .build()
        .map_err(|e| self.fail("build put", &e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub fn delete(&self, key: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let delete = with_expr!(
            Delete::builder().table_name(&self.name).set_key(Some(key)),
            expr
        )
        .build()
        .map_err(|e| self.fail("build delete", &e))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    pub fn check(&self, key: Item, expr: Expr) -> Result<TransactWriteItem, StoreError> {
        let check = with_expr!(
            ConditionCheck::builder()
                .table_name(&self.name)
                .set_key(Some(key)),
            expr
        )
        .build()
        .map_err(|e| self.fail("build condition check", &e))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    pub fn update(
        &self,
        key: Item,
        update: &str,
        expr: Expr,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = with_expr!(
            Update::builder()
                .table_name(&self.name)
                .set_key(Some(key))
                .update_expression(update),
            expr
        )
        .build()
        .map_err(|e| self.fail("build update", &e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Runs one transaction. A cancellation made only of failed conditions and conflicts is
    /// a lost race (`ConditionFailed` / `Conflicted`); anything else that fails is logged and
    /// `Unavailable`.
    pub async fn transact(
        &self,
        op: &'static str,
        writes: Vec<TransactWriteItem>,
    ) -> Result<Written, StoreError> {
        let queues_mail = super::outbox::queues_mail(&writes);
        let counted = super::tools::counted(&writes);
        // Noted whatever the answer: an answer lost on the way may hide a commit.
        super::changes::LISTS.note_all(&writes);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        let err = match result {
            Ok(_) => {
                if queues_mail {
                    super::outbox::QUEUED.notify_one();
                }
                for kpi in counted {
                    crate::metrics::count_kpi(kpi);
                }
                return Ok(Written::Committed);
            }
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
                    tracing::debug!(operation = op, ?codes, "transaction cancelled");
                    return Ok(if codes.contains(&"ConditionalCheckFailed") {
                        Written::ConditionFailed
                    } else {
                        self.conflicted()
                    });
                }
            }
        }
        Err(self.fail(op, &err))
    }

    fn conflicted(&self) -> Written {
        self.transaction_conflicts.fetch_add(1, Ordering::Relaxed);
        Written::Conflicted
    }

    // ---- Single-item writes ----

    /// What a single-item write came to: its failed condition and its conflict with a
    /// transaction are outcomes, not errors (the same for every kind of write).
    fn written<O, E, R>(
        &self,
        op: &'static str,
        result: Result<O, SdkError<E, R>>,
    ) -> Result<Written, StoreError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match result {
            Ok(_) => Ok(Written::Committed),
            Err(err) => match err.code() {
                Some("ConditionalCheckFailedException") => Ok(Written::ConditionFailed),
                Some("TransactionConflictException") => Ok(self.conflicted()),
                _ => Err(self.fail(op, &err)),
            },
        }
    }

    /// One conditional PutItem.
    pub async fn put_item(
        &self,
        op: &'static str,
        item: Item,
        expr: Expr,
    ) -> Result<Written, StoreError> {
        super::changes::LISTS.note(&item);
        let result = with_expr!(
            self.client
                .put_item()
                .table_name(&self.name)
                .set_item(Some(item)),
            expr
        )
        .send()
        .await;
        self.written(op, result)
    }

    /// One UpdateItem (conditional when `expr` has a condition).
    pub async fn update_item(
        &self,
        op: &'static str,
        key: Item,
        update: &str,
        expr: Expr,
    ) -> Result<Written, StoreError> {
        super::changes::LISTS.note(&key);
        let result = with_expr!(
            self.client
                .update_item()
                .table_name(&self.name)
                .set_key(Some(key))
                .update_expression(update),
            expr
        )
        .send()
        .await;
        self.written(op, result)
    }

    /// One DeleteItem (conditional when `expr` has a condition).
    pub async fn delete_item(
        &self,
        op: &'static str,
        key: Item,
        expr: Expr,
    ) -> Result<Written, StoreError> {
        super::changes::LISTS.note(&key);
        let result = with_expr!(
            self.client
                .delete_item()
                .table_name(&self.name)
                .set_key(Some(key)),
            expr
        )
        .send()
        .await;
        self.written(op, result)
    }

    /// Deletes the item at `key` and returns what it held, in one request (`None` if there was
    /// nothing).
    pub async fn take(&self, op: &'static str, key: Item) -> Result<Option<Item>, StoreError> {
        super::changes::LISTS.note(&key);
        let old = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| self.fail(op, &e))?
            .attributes;
        Ok(old.filter(|item| !item.is_empty()))
    }

    /// Deletes `keys` with `BatchWriteItem`, 25 at a time, resending unprocessed items with a
    /// growing pause.
    pub async fn batch_delete(&self, op: &'static str, keys: Vec<Item>) -> Result<(), StoreError> {
        let requests = keys
            .into_iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|d| WriteRequest::builder().delete_request(d).build())
                    .map_err(|e| self.fail("build delete request", &e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(op, "batch delete", requests).await
    }

    /// Writes `items` as they are (no condition: an item already there is replaced) with
    /// `BatchWriteItem`, 25 at a time, resending unprocessed items with a growing pause. For
    /// operators' commands (`server import`), never for a request.
    pub async fn batch_put(&self, op: &'static str, items: Vec<Item>) -> Result<(), StoreError> {
        let requests = items
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(|e| self.fail("build put request", &e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(op, "batch put", requests).await
    }

    async fn batch_write(
        &self,
        op: &'static str,
        what: &'static str,
        requests: Vec<WriteRequest>,
    ) -> Result<(), StoreError> {
        for request in &requests {
            let key = request
                .put_request()
                .map(|p| p.item())
                .or_else(|| request.delete_request().map(|d| d.key()));
            if let Some(key) = key {
                super::changes::LISTS.note(key);
            }
        }
        let mut requests = requests.into_iter().peekable();
        while requests.peek().is_some() {
            let chunk: Vec<_> = requests.by_ref().take(BATCH_SIZE).collect();
            self.until_processed(op, what, chunk, |requests| async move {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(self.name.clone(), requests)
                    .send()
                    .await
                    .map_err(|e| self.fail(op, &e))?;
                let left = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.name))
                    .unwrap_or_default();
                Ok((left, Vec::new()))
            })
            .await?;
        }
        Ok(())
    }

    /// Whether the table answers: one small strongly consistent read (a data-plane request).
    pub async fn ping(&self) -> bool {
        let key = super::keys::health();
        match self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key))
            .send()
            .await
        {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(error = %DisplayErrorContext(&err), table = %self.name, "table check failed");
                false
            }
        }
    }
}
