//! Storage: the one DynamoDB table behind the app. See `docs/data-model.md`.

mod dynamo;
pub mod items;
pub mod schema;

pub use dynamo::{DynamoStore, MAX_ATTEMPTS};

use aws_sdk_dynamodb::Client;

use crate::config::TableConfig;

/// Builds a DynamoDB client from the standard AWS configuration (credentials, region), pointed at
/// the configured endpoint when there is one (DynamoDB Local).
pub async fn client(sdk: &aws_config::SdkConfig, table: &TableConfig) -> Client {
    let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = &table.endpoint {
        builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    Client::from_conf(builder.build())
}

/// Whether the table answers (`Store::ping`, which `/healthz` uses).
pub(crate) async fn ping(client: &Client, table: &str) -> bool {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => out
            .table()
            .and_then(|t| t.table_status())
            .is_some_and(|s| *s == aws_sdk_dynamodb::types::TableStatus::Active),
        Err(err) => {
            tracing::warn!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&err), "table check failed");
            false
        }
    }
}
