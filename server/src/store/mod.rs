//! Storage: the one DynamoDB table behind the app. See `docs/data-model.md`.
//!
//! Where things are:
//! - [`table`]: the only code that sends requests to DynamoDB ([`Table`]: request builders,
//!   paging, transactions, [`Table::retry`], error mapping);
//! - [`keys`]: every partition, sort and index key; [`codec`]: how values become attributes;
//! - [`items`]: the layout of lists, gifts, reservations and products;
//! - one module per aggregate, each a set of functions on a [`Table`]: [`lists`], [`gifts`],
//!   [`reservations`], [`products`]; [`users`] (accounts, identities, sessions, pending
//!   sign-ins) has its own store type for the sign-in routes; [`outbox`] (mails waiting to be
//!   sent, written in the transactions that cause them) and [`limits`] (rate-limit counters)
//!   have theirs for the courier and the limiter;
//! - [`DynamoStore`] (below): the app's storage port, one line per action;
//! - [`schema`]: the table's definition and `server migrate`.

pub mod changes;
pub mod codec;
mod contact;
mod gifts;
pub mod items;
pub mod keys;
pub mod limits;
mod lists;
mod once;
pub mod outbox;
mod products;
mod reservations;
pub mod retention;
pub mod schema;
pub mod table;
pub mod tools;
pub mod users;

pub use table::{Table, MAX_ATTEMPTS};

use app::ports::{
    Letters, ListEdit, ListPage, OwnerListData, ReservationDetails, ReserveDone, Store, StoreError,
};
use aws_sdk_dynamodb::Client;
use domain::{
    CatalogueProduct, Gift, GiftEdit, GiftId, GiftList, ListId, OnceRequest, Quantity, Reservation,
    ReservationToken, ReserveRequest, RuleError, UserId,
};
use time::OffsetDateTime;

use crate::config::TableConfig;
use crate::metrics::{self, Metric};

/// Builds a DynamoDB client from the standard AWS configuration (credentials, region), pointed at
/// the configured endpoint when there is one (DynamoDB Local).
pub async fn client(sdk: &aws_config::SdkConfig, table: &TableConfig) -> Client {
    let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = &table.endpoint {
        builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    Client::from_conf(builder.build())
}

/// The storage port on DynamoDB. Every action reads what it needs (strongly consistent),
/// applies the domain rule, and writes the result in ONE conditional request; a write based on
/// a stale read fails, and the action reads and decides again ([`Table::retry`]).
pub struct DynamoStore {
    table: Table,
}

impl DynamoStore {
    /// A store on `table` (which `schema::migrate` provisions).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            table: Table::new(client, table),
        }
    }

    /// How many rounds lost a race (each was retried or ended in `Conflict`). For benchmarks
    /// and metrics.
    pub fn lost_races(&self) -> u64 {
        self.table.lost_races()
    }

    /// How many writes DynamoDB refused because another transaction was working on one of the
    /// items (`TransactionConflict`), rather than for a failed condition.
    pub fn transaction_conflicts(&self) -> u64 {
        self.table.transaction_conflicts()
    }

    /// Finishes every list deletion that was interrupted (`server sweep`); how many.
    pub async fn finish_deletions(&self) -> Result<usize, StoreError> {
        lists::finish_deletions(&self.table).await
    }

    /// Deletes the reservations whose guest data is due at `now` (`server sweep`;
    /// [`domain::retention`]).
    pub async fn purge_guest_data(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<retention::Purged, StoreError> {
        retention::purge_guest_data(&self.table, now).await
    }
}

#[async_trait::async_trait]
impl Store for DynamoStore {
    async fn create_list(&self, list: &GiftList) -> Result<(), StoreError> {
        lists::create(&self.table, list).await
    }

    async fn get_list(&self, list_id: &ListId) -> Result<Option<GiftList>, StoreError> {
        lists::get(&self.table, list_id).await
    }

    async fn lists_of_owner(&self, owner: &UserId) -> Result<Vec<GiftList>, StoreError> {
        lists::of_owner(&self.table, owner).await
    }

    async fn edit_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
        edit: ListEdit,
        now: OffsetDateTime,
    ) -> Result<GiftList, StoreError> {
        lists::edit(&self.table, owner, list_id, &edit, now).await
    }

    async fn delete_list(&self, owner: &UserId, list_id: &ListId) -> Result<(), StoreError> {
        lists::delete(&self.table, owner, list_id).await
    }

    async fn list_page(&self, list_id: &ListId) -> Result<Option<ListPage>, StoreError> {
        lists::page(&self.table, list_id).await
    }

    async fn owner_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
    ) -> Result<OwnerListData, StoreError> {
        lists::of_owner_whole(&self.table, owner, list_id).await
    }

    async fn keep_contact(
        &self,
        id: &str,
        message: &domain::ContactMessage,
        mails: &[app::ports::Mail],
    ) -> Result<(), StoreError> {
        contact::keep(&self.table, id, message, mails).await
    }

    async fn add_gift(&self, owner: &UserId, gift: &Gift) -> Result<(), StoreError> {
        gifts::add(&self.table, owner, gift).await
    }

    async fn edit_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
        edit: GiftEdit,
        now: OffsetDateTime,
    ) -> Result<Gift, StoreError> {
        gifts::edit(&self.table, owner, list_id, gift_id, &edit, now).await
    }

    async fn remove_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        gifts::remove(&self.table, owner, list_id, gift_id, now).await
    }

    async fn reservable(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        quantity: Quantity,
    ) -> Result<(), StoreError> {
        reservations::reservable(&self.table, list_id, gift_id, quantity).await
    }

    async fn reserved_before(
        &self,
        list_id: &ListId,
        once: &OnceRequest,
        now: OffsetDateTime,
    ) -> Result<Option<ReservationToken>, StoreError> {
        reservations::reserved_before(&self.table, list_id, once, now).await
    }

    async fn reserve_once(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        request: ReserveRequest,
        now: OffsetDateTime,
        letters: Letters<'_>,
        once: Option<&OnceRequest>,
    ) -> Result<ReserveDone, StoreError> {
        let reserved =
            reservations::reserve(&self.table, list_id, gift_id, &request, now, letters, once)
                .await;
        match &reserved {
            Ok(ReserveDone::New(_)) => metrics::count(Metric::Reservations),
            Ok(ReserveDone::Again(_)) => {}
            Err(
                StoreError::Rule(RuleError::NoneLeft | RuleError::NotEnoughLeft { .. })
                | StoreError::Conflict,
            ) => metrics::count(Metric::ReservationConflicts),
            Err(_) => {}
        }
        reserved
    }

    async fn reservation(
        &self,
        token: &ReservationToken,
    ) -> Result<Option<ReservationDetails>, StoreError> {
        reservations::details(&self.table, token).await
    }

    async fn reservations(
        &self,
        tokens: &[ReservationToken],
    ) -> Result<Vec<Reservation>, StoreError> {
        reservations::of_tokens(&self.table, tokens).await
    }

    async fn change_reservation(
        &self,
        token: &ReservationToken,
        quantity: Quantity,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError> {
        reservations::change_quantity(&self.table, token, quantity, now).await
    }

    async fn cancel_reservation(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError> {
        reservations::cancel(&self.table, token, now).await
    }

    async fn confirm_purchase(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
        letters: Letters<'_>,
    ) -> Result<(Gift, Reservation), StoreError> {
        reservations::confirm_purchase(&self.table, token, now, letters).await
    }

    async fn put_catalogue_product(&self, product: &CatalogueProduct) -> Result<(), StoreError> {
        products::put(&self.table, product).await
    }

    async fn catalogue_product_by_url(
        &self,
        normalised_url: &str,
    ) -> Result<Option<CatalogueProduct>, StoreError> {
        products::by_url(&self.table, normalised_url).await
    }

    async fn ping(&self) -> bool {
        self.table.ping().await
    }
}
