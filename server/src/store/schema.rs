//! The table's definition and its idempotent provisioning (`server migrate`).
//!
//! Keys: `pk` and `sk` (strings). One global secondary index, `gsi1` (`gsi1pk`, `gsi1sk`),
//! projecting everything. Expiring items carry `expires_at` (epoch seconds), the table's TTL
//! attribute. The same definition is in `infra/` for real AWS.

use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// What `migrate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migration {
    Created,
    AlreadyPresent,
}

/// Provisioning failed; the message carries the AWS error's context.
#[derive(Debug, thiserror::Error)]
#[error("provisioning table {table}: {message}")]
pub struct MigrateError {
    pub table: String,
    pub message: String,
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("key schema has its required fields")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition has its required fields")
}

/// Creates the table, its index and its TTL setting where they are missing. Safe to run again.
pub async fn migrate(client: &Client, table: &str) -> Result<Migration, MigrateError> {
    let fail = |message: String| MigrateError {
        table: table.to_owned(),
        message,
    };
    let outcome = match client.describe_table().table_name(table).send().await {
        Ok(_) => Migration::AlreadyPresent,
        Err(SdkError::ServiceError(e))
            if matches!(e.err(), DescribeTableError::ResourceNotFoundException(_)) =>
        {
            let index = GlobalSecondaryIndex::builder()
                .index_name(GSI1)
                .key_schema(key(GSI1_PK, KeyType::Hash))
                .key_schema(key(GSI1_SK, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index has its required fields");
            let created = client
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(string_attribute(PK))
                .attribute_definitions(string_attribute(SK))
                .attribute_definitions(string_attribute(GSI1_PK))
                .attribute_definitions(string_attribute(GSI1_SK))
                .key_schema(key(PK, KeyType::Hash))
                .key_schema(key(SK, KeyType::Range))
                .global_secondary_indexes(index)
                .send()
                .await;
            match created {
                Ok(_) => Migration::Created,
                // Another process created it meanwhile: fine.
                Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {
                    Migration::AlreadyPresent
                }
                Err(e) => return Err(fail(DisplayErrorContext(&e).to_string())),
            }
        }
        Err(e) => return Err(fail(DisplayErrorContext(&e).to_string())),
    };
    wait_until_active(client, table).await.map_err(fail)?;
    enable_ttl(client, table).await.map_err(fail)?;
    Ok(outcome)
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), String> {
    for _ in 0..120 {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e: SdkError<DescribeTableError, _>| DisplayErrorContext(&e).to_string())?;
        let table_desc = out.table();
        let table_active = table_desc.and_then(|t| t.table_status()) == Some(&TableStatus::Active);
        let indexes_active = table_desc
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .all(|i| i.index_status() == Some(&aws_sdk_dynamodb::types::IndexStatus::Active));
        if table_active && indexes_active {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err("the table did not become active within a minute".to_owned())
}

async fn enable_ttl(client: &Client, table: &str) -> Result<(), String> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string())?;
    let status = current
        .time_to_live_description()
        .and_then(|d| d.time_to_live_status());
    if matches!(
        status,
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ) {
        return Ok(());
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .expect("TTL specification has its required fields"),
        )
        .send()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string())?;
    Ok(())
}
