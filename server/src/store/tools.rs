//! The team's tools on the table: the day-by-day counts (`KPI#<shard>`), the not-found queue
//! (`NOTFOUND#<link hash>`, found by state through `gsi1`), the catalogue's listing
//! (`CATALOGUE#`) and the audit trail (`AUDIT#<month>`).
//!
//! Counts are written by [`count`] inside the transaction of what they count, so a count is
//! never lost or made up: an `ADD` on one of [`keys::KPI_SHARDS`] items of the day. The shard
//! follows the item the transaction is about (a gift, a list, a mail): writes about the same gift
//! already take turns on the gift, so they lose nothing by sharing a counter, and writes about
//! different things rarely meet on one (two transactions on one item at the same moment make
//! DynamoDB cancel one). Every admin change puts its audit entry in the same transaction as the
//! change.

use app::ports::{CatalogueLine, StoreError, Tools};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use domain::{
    AuditAction, AuditEntry, CatalogueProduct, CatalogueProductId, Email, Gift, GiftSource, Kpi,
    KpiDay, QueueState, QueuedProduct,
};
use time::{Date, Duration, OffsetDateTime};

use super::codec::{attr, number, string, time, Fields, Item};
use super::items::decode_product;
use super::keys;
use super::products;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::table::{Expr, Table, Written};

/// Attribute names of the tools' items.
mod name {
    pub const PRODUCT: &str = "product";
    pub const LISTS: &str = "lists";
    pub const LAST_ADDED: &str = "last_added";
    pub const SEARCH: &str = "search";
    pub const RETIRED: &str = super::products::RETIRED;
    pub const WHO: &str = "who";
    pub const ACTION: &str = "action";
    pub const TARGET: &str = "target";
    pub const BEFORE: &str = "before";
    pub const AFTER: &str = "after";
}

// ---- Counts ----

/// The write that counts one `kpi` at `at`, for the transaction that does it, on the shard of
/// `about` (the id of the gift, list, account or mail the transaction is about).
pub fn count(
    table: &Table,
    kpi: Kpi,
    at: OffsetDateTime,
    about: &str,
) -> Result<TransactWriteItem, StoreError> {
    let shard = shard_of(about);
    table.update(
        keys::kpi(shard, Kpi::day(at)),
        "SET #kind = :kind ADD #k :one",
        Expr::default()
            .name("#kind", attr::KIND)
            .name("#k", kpi.as_str())
            .value(":kind", string("kpi"))
            .value(":one", number(1)),
    )
}

/// The shard of `about`: FNV-1a of its bytes, modulo the shard count.
fn shard_of(about: &str) -> u8 {
    let hash = about.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    u8::try_from(hash % u64::from(keys::KPI_SHARDS)).unwrap_or(0)
}

/// The measures a transaction's writes count (for the metrics, once it committed).
pub fn counted(writes: &[TransactWriteItem]) -> Vec<Kpi> {
    writes
        .iter()
        .filter_map(|write| write.update())
        .filter(|update| {
            update
                .key()
                .get(PK)
                .and_then(|pk| pk.as_s().ok())
                .is_some_and(|pk| pk.starts_with(keys::KPI))
        })
        .filter_map(|update| update.expression_attribute_names()?.get("#k"))
        .filter_map(|word| Kpi::parse(word).ok())
        .collect()
}

fn decode_kpi_day(item: &Item) -> Result<KpiDay, super::codec::DecodeError> {
    let f = Fields(item);
    let date = f.parse(SK, |sk| {
        let text = sk.strip_prefix(keys::KPI_DAY).unwrap_or(sk);
        Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
    })?;
    let mut day = KpiDay::empty(date);
    for kpi in Kpi::ALL {
        if let Some(AttributeValue::N(n)) = item.get(kpi.as_str()) {
            day.add(kpi, n.parse().unwrap_or(0));
        }
    }
    Ok(day)
}

async fn kpis(table: &Table, last: Date, days: u16) -> Result<Vec<KpiDay>, StoreError> {
    const OP: &str = "kpis";
    let first = last - Duration::days(i64::from(days.max(1)) - 1);
    let reads = (0..keys::KPI_SHARDS).map(|shard| {
        let query = table
            .query()
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :first AND :last")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", string(keys::kpi_pk(shard)))
            .expression_attribute_values(":first", string(format!("{}{first}", keys::KPI_DAY)))
            .expression_attribute_values(":last", string(format!("{}{last}", keys::KPI_DAY)));
        table.query_all(OP, query)
    });
    let mut known = Vec::new();
    for items in futures::future::try_join_all(reads).await? {
        for item in &items {
            known.push(table.decode(OP, item, decode_kpi_day)?);
        }
    }
    Ok(domain::tools::kpi_window(last, days, &known))
}

// ---- The not-found queue ----

/// The write that puts a gift's product in the not-found queue (or counts one more list for
/// it), for the transaction that adds the gift: products an owner typed or brought from a shop's
/// page, with a link. A product already promoted or dismissed stays so.
pub fn queue_gift(table: &Table, gift: &Gift) -> Result<Option<TransactWriteItem>, StoreError> {
    let (GiftSource::Owner, Some(url)) = (gift.source, &gift.product.url) else {
        return Ok(None);
    };
    let normalised = domain::normalise_product_url(url);
    let product = serde_json::to_string(&gift.product).map_err(|e| table.fail("queue_gift", &e))?;
    table
        .update(
            keys::not_found(&normalised),
            "SET #kind = :kind, #url = :url, #product = :product, #last = :now, \
             #gpk = if_not_exists(#gpk, :waiting), #gsk = :now ADD #lists :one",
            Expr::default()
                .name("#kind", attr::KIND)
                .name("#url", attr::URL)
                .name("#product", name::PRODUCT)
                .name("#last", name::LAST_ADDED)
                .name("#gpk", GSI1_PK)
                .name("#gsk", GSI1_SK)
                .name("#lists", name::LISTS)
                .value(":kind", string("queued-product"))
                .value(":url", string(normalised.as_str()))
                .value(":product", string(product))
                .value(":now", time(gift.created_at))
                .value(":waiting", string(keys::queue(QueueState::Waiting)))
                .value(":one", number(1)),
        )
        .map(Some)
}

fn decode_queued(item: &Item) -> Result<QueuedProduct, super::codec::DecodeError> {
    let f = Fields(item);
    Ok(QueuedProduct {
        url: f.non_empty(attr::URL)?,
        product: f.parse(name::PRODUCT, |text| serde_json::from_str(text))?,
        lists: f.n(name::LISTS)?,
        last_added: f.time(name::LAST_ADDED)?,
        state: f.parse(GSI1_PK, |pk| {
            QueueState::parse(pk.strip_prefix(keys::QUEUE).unwrap_or(pk))
        })?,
    })
}

/// The write that moves a queued product to `state` (it must be in the queue).
fn move_queued(
    table: &Table,
    url: &str,
    state: QueueState,
) -> Result<TransactWriteItem, StoreError> {
    table.update(
        keys::not_found(url),
        "SET #gpk = :state",
        Expr::exists()
            .name("#gpk", GSI1_PK)
            .value(":state", string(keys::queue(state))),
    )
}

// ---- The catalogue's listing ----

/// The write that keeps a product's line in the listing up to date (its retired flag set when
/// `retired` says, else left as it is).
pub fn catalogue_line(
    table: &Table,
    product: &CatalogueProduct,
    retired: Option<bool>,
) -> Result<TransactWriteItem, StoreError> {
    let json = serde_json::to_string(product).map_err(|e| table.fail("catalogue_line", &e))?;
    let p = &product.product;
    let search = [
        Some(p.title.as_str()),
        p.brand.as_ref().map(|b| b.as_str()),
        p.url.as_ref().map(|u| u.as_str()),
        product.retailer.as_ref().map(|r| r.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    let mut update =
        "SET #kind = :kind, #product = :product, #search = :search, #title = :title".to_owned();
    let mut expr = Expr::default();
    if let Some(retired) = retired {
        update.push_str(", #retired = :retired");
        expr = expr
            .name("#retired", name::RETIRED)
            .value(":retired", AttributeValue::Bool(retired));
    }
    table.update(
        keys::catalogue_line(&product.id),
        &update,
        expr.name("#kind", attr::KIND)
            .name("#product", name::PRODUCT)
            .name("#search", name::SEARCH)
            .name("#title", attr::TITLE)
            .value(":kind", string("catalogue-line"))
            .value(":product", string(json))
            .value(":search", string(search))
            .value(":title", string(p.title.as_str().to_lowercase())),
    )
}

fn decode_line(item: &Item) -> Result<CatalogueLine, super::codec::DecodeError> {
    let f = Fields(item);
    Ok(CatalogueLine {
        product: f.parse(name::PRODUCT, |text| serde_json::from_str(text))?,
        retired: f.flag(name::RETIRED)?,
    })
}

// ---- The audit trail ----

fn audit_item(entry: &AuditEntry) -> Item {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut item = keys::audit(entry.at, &nonce[..12]);
    item.insert(attr::KIND.into(), string("audit"));
    item.insert(attr::CREATED_AT.into(), time(entry.at));
    item.insert(name::WHO.into(), string(entry.who.as_str()));
    item.insert(name::ACTION.into(), string(entry.action.as_str()));
    item.insert(name::TARGET.into(), string(entry.target.as_str()));
    for (key, value) in [(name::BEFORE, &entry.before), (name::AFTER, &entry.after)] {
        if let Some(value) = value {
            item.insert(key.into(), string(value.as_str()));
        }
    }
    item
}

fn decode_audit(item: &Item) -> Result<AuditEntry, super::codec::DecodeError> {
    let f = Fields(item);
    Ok(AuditEntry {
        at: f.time(attr::CREATED_AT)?,
        who: f.non_empty(name::WHO)?,
        action: f.parse(name::ACTION, AuditAction::parse)?,
        target: f.s(name::TARGET)?.to_owned(),
        before: f.opt_s(name::BEFORE)?.map(str::to_owned),
        after: f.opt_s(name::AFTER)?.map(str::to_owned),
    })
}

fn audit_write(table: &Table, entry: &AuditEntry) -> Result<TransactWriteItem, StoreError> {
    table.put(audit_item(entry), Expr::absent())
}

fn json<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// The tools' storage on the one table.
pub struct ToolStore {
    table: Table,
}

impl ToolStore {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// A catalogue product with its retired flag, by id.
    async fn line(
        &self,
        op: &'static str,
        id: &CatalogueProductId,
    ) -> Result<Option<CatalogueLine>, StoreError> {
        let Some(item) = self.table.get(op, keys::product(id)).await? else {
            return Ok(None);
        };
        let product = self.table.decode(op, &item, decode_product)?;
        let retired = self
            .table
            .decode(op, &item, |item| Fields(item).flag(name::RETIRED))?;
        Ok(Some(CatalogueLine { product, retired }))
    }

    async fn commit(
        &self,
        op: &'static str,
        writes: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        match self.table.transact(op, writes).await? {
            Written::Committed => Ok(()),
            // The queued product or the catalogue product is not there (any more).
            Written::ConditionFailed => Err(StoreError::NotFound),
            Written::Conflicted => Err(StoreError::Conflict),
        }
    }
}

#[async_trait::async_trait]
impl Tools for ToolStore {
    async fn kpis(&self, last: Date, days: u16) -> Result<Vec<KpiDay>, StoreError> {
        kpis(&self.table, last, days).await
    }

    async fn queue(
        &self,
        state: QueueState,
        limit: usize,
    ) -> Result<Vec<QueuedProduct>, StoreError> {
        const OP: &str = "queue";
        let query = self
            .table
            .query()
            .index_name(GSI1)
            .key_condition_expression("#gpk = :state")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_values(":state", string(keys::queue(state)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        let items = self.table.query_page(OP, query).await?;
        items
            .iter()
            .map(|item| self.table.decode(OP, item, decode_queued))
            .collect()
    }

    async fn queued(&self, url: &str) -> Result<Option<QueuedProduct>, StoreError> {
        const OP: &str = "queued";
        match self.table.get(OP, keys::not_found(url)).await? {
            Some(item) => self.table.decode(OP, &item, decode_queued).map(Some),
            None => Ok(None),
        }
    }

    async fn promote(
        &self,
        admin: &Email,
        url: &str,
        product: &CatalogueProduct,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "promote";
        let before = self.queued(url).await?.ok_or(StoreError::NotFound)?;
        let entry = AuditEntry {
            at: now,
            who: admin.as_str().to_owned(),
            action: AuditAction::Promote,
            target: url.to_owned(),
            before: json(&before),
            after: json(product),
        };
        let writes = vec![
            products::put_write(&self.table, product)?,
            catalogue_line(&self.table, product, None)?,
            move_queued(&self.table, url, QueueState::Promoted)?,
            audit_write(&self.table, &entry)?,
        ];
        self.commit(OP, writes).await
    }

    async fn dismiss(
        &self,
        admin: &Email,
        url: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "dismiss";
        let before = self.queued(url).await?.ok_or(StoreError::NotFound)?;
        let entry = AuditEntry {
            at: now,
            who: admin.as_str().to_owned(),
            action: AuditAction::Dismiss,
            target: url.to_owned(),
            before: json(&before),
            after: None,
        };
        let writes = vec![
            move_queued(&self.table, url, QueueState::Dismissed)?,
            audit_write(&self.table, &entry)?,
        ];
        self.commit(OP, writes).await
    }

    async fn search_catalogue(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<CatalogueLine>, StoreError> {
        const OP: &str = "search_catalogue";
        let needle = query.trim().to_lowercase();
        let mut request = self
            .table
            .query()
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", string(keys::CATALOGUE));
        if !needle.is_empty() {
            request = request
                .filter_expression("contains(#search, :needle)")
                .expression_attribute_names("#search", name::SEARCH)
                .expression_attribute_values(":needle", string(needle));
        }
        let items = self.table.query_all(OP, request).await?;
        let mut lines = items
            .iter()
            .map(|item| self.table.decode(OP, item, decode_line))
            .collect::<Result<Vec<_>, _>>()?;
        lines.sort_by(|a, b| {
            let title = |l: &CatalogueLine| l.product.product.title.as_str().to_lowercase();
            title(a).cmp(&title(b))
        });
        lines.truncate(limit);
        Ok(lines)
    }

    async fn catalogue_line(
        &self,
        id: &CatalogueProductId,
    ) -> Result<Option<CatalogueLine>, StoreError> {
        self.line("catalogue_line", id).await
    }

    async fn save_product(
        &self,
        admin: &Email,
        product: &CatalogueProduct,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "save_product";
        let before = self.line(OP, &product.id).await?;
        let entry = AuditEntry {
            at: now,
            who: admin.as_str().to_owned(),
            action: AuditAction::SaveProduct,
            target: product.id.to_string(),
            before: before.as_ref().and_then(|line| json(&line.product)),
            after: json(product),
        };
        let writes = vec![
            products::put_write(&self.table, product)?,
            catalogue_line(&self.table, product, None)?,
            audit_write(&self.table, &entry)?,
        ];
        self.commit(OP, writes).await
    }

    async fn set_retired(
        &self,
        admin: &Email,
        id: &CatalogueProductId,
        retired: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "set_retired";
        let before = self.line(OP, id).await?.ok_or(StoreError::NotFound)?;
        let entry = AuditEntry {
            at: now,
            who: admin.as_str().to_owned(),
            action: if retired {
                AuditAction::Retire
            } else {
                AuditAction::Restore
            },
            target: id.to_string(),
            before: Some(format!("retired: {}", before.retired)),
            after: Some(format!("retired: {retired}")),
        };
        let flag = |key: Item| {
            self.table.update(
                key,
                "SET #retired = :retired",
                Expr::exists()
                    .name("#retired", name::RETIRED)
                    .value(":retired", AttributeValue::Bool(retired)),
            )
        };
        let writes = vec![
            flag(keys::product(id))?,
            // (Also makes the line of a product loaded before the listing existed.)
            catalogue_line(&self.table, &before.product, Some(retired))?,
            audit_write(&self.table, &entry)?,
        ];
        self.commit(OP, writes).await
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.table
            .put_item("audit", audit_item(entry), Expr::absent())
            .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        const OP: &str = "audit_log";
        let mut entries = Vec::new();
        for month in [now, now - Duration::days(31)] {
            if entries.len() >= limit {
                break;
            }
            let query = self
                .table
                .query()
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", string(keys::audit_pk(month)))
                .scan_index_forward(false)
                .limit(i32::try_from(limit - entries.len()).unwrap_or(i32::MAX));
            for item in self.table.query_page(OP, query).await? {
                entries.push(self.table.decode(OP, &item, decode_audit)?);
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::Client;

    fn table() -> Table {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Table::new(Client::from_conf(config), "t")
    }

    #[test]
    fn a_transaction_s_counts_are_found_for_the_metrics() {
        let table = table();
        let at = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let writes = vec![
            table.put(keys::contact("x"), Expr::absent()).unwrap(),
            count(&table, Kpi::GiftAdded, at, "list-1").unwrap(),
            count(&table, Kpi::Purchase, at, "gift-1").unwrap(),
            // An update of another item naming `#k` is not a count.
            table
                .update(
                    keys::contact("y"),
                    "SET #k = :one",
                    Expr::default().name("#k", "gifts").value(":one", number(1)),
                )
                .unwrap(),
        ];
        assert_eq!(counted(&writes), [Kpi::GiftAdded, Kpi::Purchase]);
        let day = writes[1].update().unwrap().key();
        assert_eq!(day[SK].as_s().unwrap(), "D#2024-10-04");
        assert!(day[PK].as_s().unwrap().starts_with(keys::KPI));
    }

    #[test]
    fn counts_about_one_thing_share_a_shard_and_others_spread() {
        assert_eq!(shard_of("gift-a"), shard_of("gift-a"));
        let used: std::collections::HashSet<u8> =
            (0..2_000).map(|i| shard_of(&format!("g{i}"))).collect();
        assert_eq!(
            used.len(),
            usize::from(keys::KPI_SHARDS),
            "every shard is used"
        );
        assert!(used.iter().all(|&s| s < keys::KPI_SHARDS));
    }

    #[test]
    fn only_what_an_owner_typed_with_a_link_joins_the_queue() {
        let table = table();
        let list = domain::ListId::generate();
        let at = OffsetDateTime::UNIX_EPOCH;
        let product = |url: Option<&str>| domain::ProductSnapshot {
            title: domain::ProductTitle::parse("Cot").unwrap(),
            brand: None,
            url: url.map(|u| domain::HttpUrl::parse(u).unwrap()),
            image_url: None,
            price: None,
        };
        let gift = |source, url| {
            Gift::new(
                domain::GiftId::generate(),
                list,
                product(url),
                source,
                domain::Quantity::new(1).unwrap(),
                None,
                at,
            )
        };
        let typed = gift(GiftSource::Owner, Some("https://Shop.example/cot/?a=1"));
        let write = queue_gift(&table, &typed).unwrap().unwrap();
        let update = write.update().unwrap();
        assert_eq!(update.key(), &keys::not_found("https://shop.example/cot"));
        assert!(update
            .update_expression()
            .contains("if_not_exists(#gpk, :waiting)"));
        assert!(queue_gift(&table, &gift(GiftSource::Owner, None))
            .unwrap()
            .is_none());
        let picked = GiftSource::Catalogue(domain::CatalogueProductId::generate());
        assert!(
            queue_gift(&table, &gift(picked, Some("https://shop.example/cot")))
                .unwrap()
                .is_none()
        );
    }
}
