//! The product catalogue: products by id, found by the normalised link through `gsi1` (unless
//! retired), each with its line in the editor's listing (`super::tools`).

use app::ports::StoreError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use domain::CatalogueProduct;

use super::codec::{attr, number, string, Fields};
use super::items::{decode_product, product_item, PRODUCT_OPTIONAL};
use super::keys;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::table::{Expr, Table, Written};

/// Whether a product item is retired (no longer found by its link).
pub const RETIRED: &str = "retired";

/// Stores a product with its listing line, in one transaction.
pub async fn put(table: &Table, product: &CatalogueProduct) -> Result<(), StoreError> {
    const OP: &str = "put_catalogue_product";
    let writes = vec![
        put_write(table, product)?,
        super::tools::catalogue_line(table, product, None)?,
    ];
    match table.transact(OP, writes).await? {
        Written::Committed => Ok(()),
        Written::ConditionFailed | Written::Conflicted => Err(StoreError::Conflict),
    }
}

/// The write that stores a product: one update that sets every attribute, removes the optional
/// ones the product lacks and raises the version, whether or not it was stored before (a
/// retired product stays retired).
pub fn put_write(
    table: &Table,
    product: &CatalogueProduct,
) -> Result<TransactWriteItem, StoreError> {
    let mut item = product_item(product);
    item.remove(PK);
    item.remove(SK);
    let mut expr = Expr::default()
        .name("#v", attr::VERSION)
        .value(":zero", number(0))
        .value(":one", number(1));
    let mut sets = vec!["#v = if_not_exists(#v, :zero) + :one".to_owned()];
    for (i, (name, value)) in item.into_iter().enumerate() {
        sets.push(format!("#a{i} = :a{i}"));
        expr = expr
            .name(&format!("#a{i}"), &name)
            .value(&format!(":a{i}"), value);
    }
    let mut removes = Vec::new();
    for (i, name) in PRODUCT_OPTIONAL.iter().enumerate() {
        if !expr.names_attribute(name) {
            removes.push(format!("#r{i}"));
            expr = expr.name(&format!("#r{i}"), name);
        }
    }
    let mut update = format!("SET {}", sets.join(", "));
    if !removes.is_empty() {
        update.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    table.update(keys::product(&product.id), &update, expr)
}

pub async fn by_url(
    table: &Table,
    normalised_url: &str,
) -> Result<Option<CatalogueProduct>, StoreError> {
    const OP: &str = "catalogue_product_by_url";
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression("#gpk = :url AND #gsk = :p")
        .expression_attribute_names("#gpk", GSI1_PK)
        .expression_attribute_names("#gsk", GSI1_SK)
        .expression_attribute_values(":url", string(keys::product_url(normalised_url)))
        .expression_attribute_values(":p", string(keys::PRODUCT_ITEM));
    for item in table.query_all(OP, query).await? {
        if !table.decode(OP, &item, |item| Fields(item).flag(RETIRED))? {
            return table.decode(OP, &item, decode_product).map(Some);
        }
    }
    Ok(None)
}
