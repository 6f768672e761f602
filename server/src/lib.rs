//! Ewelists' server: configuration, the HTTP router around the Leptos app, and the adapters
//! (storage, sign-in, mail) that the app's server functions use.

// Rendering the app's view types nests deeply.
#![recursion_limit = "256"]

pub mod config;
pub mod http;
pub mod store;
pub mod telemetry;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Lists, gifts, reservations and the catalogue (the DynamoDB adapter of the app's port).
    pub store: Arc<dyn app::ports::Store>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Connects the adapters described by `config`.
    pub async fn connect(config: Config, leptos_options: LeptosOptions) -> Self {
        let sdk = aws_config::load_from_env().await;
        let dynamodb = store::client(&sdk, &config.table).await;
        let store = Arc::new(store::DynamoStore::new(
            dynamodb.clone(),
            config.table.name.clone(),
        ));
        Self {
            leptos_options,
            config: Arc::new(config),
            dynamodb,
            store,
        }
    }
}
