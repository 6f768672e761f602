//! Helpers shared by the store's contract tests and its benchmark: a fresh table on DynamoDB
//! Local per test, sample entities, and raw reads of the table.
#![allow(dead_code)] // each user takes what it needs

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use domain::{
    Email, Gift, GiftId, GiftList, GiftSource, HttpUrl, ListDetails, ListId, Occasion, PersonName,
    Price, ProductSnapshot, ProductTitle, Quantity, ReserveRequest, Title, UserId,
};
use server::store::{schema, DynamoStore};
use time::OffsetDateTime;

pub type Item = HashMap<String, AttributeValue>;

/// The `p` quantile of sorted durations (benchmarks).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds, for printing.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// DynamoDB Local's endpoint. The tests need it: they fail rather than skip without it.
pub fn endpoint() -> String {
    match std::env::var("EWELISTS_DYNAMODB_ENDPOINT") {
        Ok(endpoint) if !endpoint.trim().is_empty() => endpoint,
        _ => panic!(
            "EWELISTS_DYNAMODB_ENDPOINT is not set: these tests run against DynamoDB Local. \
             Run them under the local stack (`./dev test`), or start DynamoDB Local and set \
             EWELISTS_DYNAMODB_ENDPOINT=http://127.0.0.1:<port> (with AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY and AWS_REGION set to anything)."
        ),
    }
}

/// A client for DynamoDB Local, built as `server::store::client` builds it.
pub async fn client() -> Client {
    let endpoint = endpoint();
    // Static credentials and a region for DynamoDB Local when the environment has none.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        std::env::set_var("AWS_ACCESS_KEY_ID", "local");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "local");
    }
    if std::env::var_os("AWS_REGION").is_none() {
        std::env::set_var("AWS_REGION", "us-east-1");
    }
    let sdk = server::aws_sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .endpoint_url(endpoint.trim_end_matches('/'))
        .build();
    Client::from_conf(config)
}

/// A store on a new table of its own, so that tests run in parallel without meeting.
pub struct Fixture {
    pub store: Arc<DynamoStore>,
    pub client: Client,
    pub table: String,
}

pub async fn fixture(prefix: &str) -> Fixture {
    let client = client().await;
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    schema::migrate(&client, &table)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test table: {e}"));
    Fixture {
        store: Arc::new(DynamoStore::new(client.clone(), table.clone())),
        client,
        table,
    }
}

/// An interceptor that lets the first `allowed` requests of one DynamoDB operation through
/// and fails every later one before it is sent: a store stopped halfway, for failure tests.
#[derive(Debug)]
pub struct FailAfter {
    /// The operation, as in the `X-Amz-Target` header (e.g. `BatchWriteItem`).
    pub operation: &'static str,
    pub allowed: usize,
    pub seen: std::sync::atomic::AtomicUsize,
}

impl aws_sdk_dynamodb::config::Intercept for FailAfter {
    fn name(&self) -> &'static str {
        "FailAfter"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        if target.ends_with(&format!(".{}", self.operation)) {
            let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n >= self.allowed {
                return Err(
                    format!("{} stopped after {} requests", self.operation, self.allowed).into(),
                );
            }
        }
        Ok(())
    }
}

impl Fixture {
    /// A store on this fixture's table whose client fails every `operation` request after the
    /// first `allowed`.
    pub fn store_failing_after(&self, operation: &'static str, allowed: usize) -> DynamoStore {
        let config = self
            .client
            .config()
            .to_builder()
            .interceptor(FailAfter {
                operation,
                allowed,
                seen: Default::default(),
            })
            .build();
        DynamoStore::new(Client::from_conf(config), self.table.clone())
    }

    /// Writes raw items, 25 at a time.
    pub async fn raw_put(&self, items: Vec<Item>) {
        for chunk in items.chunks(25) {
            let requests = chunk
                .iter()
                .map(|item| {
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(
                            aws_sdk_dynamodb::types::PutRequest::builder()
                                .set_item(Some(item.clone()))
                                .build()
                                .expect("a put request"),
                        )
                        .build()
                })
                .collect();
            let out = self
                .client
                .batch_write_item()
                .request_items(self.table.clone(), requests)
                .send()
                .await
                .expect("raw batch write");
            assert!(
                out.unprocessed_items.unwrap_or_default().is_empty(),
                "DynamoDB Local left items unprocessed"
            );
        }
    }

    /// Every item of a list's partition, read raw (sorted by sort key).
    pub async fn raw_partition(&self, list_id: &ListId) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(format!("LIST#{list_id}")))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .expect("raw query");
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return items,
            }
        }
    }

    /// Every item of the table, read raw.
    pub async fn raw_scan(&self) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .expect("raw scan");
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return items,
            }
        }
    }

    /// Deletes the test's table (best effort).
    pub async fn drop_table(&self) {
        let _ = self
            .client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await;
    }
}

/// A string attribute of a raw item.
pub fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s,
        other => panic!("{name} is not a string: {other:?} in {item:?}"),
    }
}

/// A number attribute of a raw item.
pub fn number(item: &Item, name: &str) -> u64 {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().expect("a whole number"),
        other => panic!("{name} is not a number: {other:?} in {item:?}"),
    }
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn quantity(n: u32) -> Quantity {
    Quantity::new(n).expect("a quantity from 1 to 99")
}

pub fn new_list(owner: UserId, title: &str, created_at: OffsetDateTime) -> GiftList {
    GiftList::new(
        ListId::generate(),
        owner,
        ListDetails {
            title: Title::parse(title).expect("a title"),
            occasion: Occasion::Birthday,
            event_date: None,
            message: None,
        },
        created_at,
    )
}

pub fn product(title: &str, url: Option<&str>) -> ProductSnapshot {
    ProductSnapshot {
        title: ProductTitle::parse(title).expect("a product title"),
        brand: None,
        url: url.map(|u| HttpUrl::parse(u).expect("a link")),
        image_url: None,
        price: Some(Price::parse("19.99", "GBP").expect("a price")),
    }
}

pub fn new_gift(list_id: ListId, wanted: u32, url: Option<&str>) -> Gift {
    Gift::new(
        GiftId::generate(),
        list_id,
        product("A present", url),
        GiftSource::Owner,
        quantity(wanted),
        None,
        now(),
    )
}

/// A list of `gifts` gifts (3 wanted each, each with a shop link) in `store`, as the benchmarks
/// load it.
pub async fn list_with_gifts(store: &dyn app::ports::Store, gifts: usize) -> GiftList {
    let list = new_list(UserId::generate(), "Benchmark list", now());
    store.create_list(&list).await.expect("create list");
    for i in 0..gifts {
        let gift = new_gift(list.id, 3, Some(&format!("https://shop.example/gift/{i}")));
        store.add_gift(&list.owner, &gift).await.expect("add gift");
    }
    list
}

pub fn request(email: &str, n: u32) -> ReserveRequest {
    ReserveRequest {
        guest_name: PersonName::parse("Guest").expect("a name"),
        email: Email::parse(email).expect("an email"),
        quantity: quantity(n),
        user_id: None,
    }
}

pub mod proxy;
pub mod site;
