//! The product catalogue: products by id, found by the normalised link through `gsi1`.

use app::ports::StoreError;
use domain::CatalogueProduct;

use super::codec::{attr, number, string};
use super::items::{decode_product, product_item, PRODUCT_OPTIONAL};
use super::keys;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::table::{Expr, Table};

/// Stores a product: one update that sets every attribute, removes the optional ones the
/// product lacks and raises the version, whether or not it was stored before.
pub async fn put(table: &Table, product: &CatalogueProduct) -> Result<(), StoreError> {
    const OP: &str = "put_catalogue_product";
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
    table
        .update_item(OP, keys::product(&product.id), &update, expr)
        .await?;
    Ok(())
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
    match table.query_all(OP, query).await?.first() {
        Some(item) => table.decode(OP, item, decode_product).map(Some),
        None => Ok(None),
    }
}
