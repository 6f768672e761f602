//! The daily sweep (`server sweep`, and the `sweep` function on a schedule in AWS): finishes
//! list deletions that were interrupted, and deletes guests' personal data that is due
//! ([`domain::retention`]).

use app::ports::StoreError;
use time::OffsetDateTime;

use crate::store::DynamoStore;
use crate::AppState;

/// What one sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    pub deletions_finished: usize,
    pub lists_read: usize,
    pub reservations_deleted: usize,
}

/// One sweep at `now`.
pub async fn run(state: &AppState, now: OffsetDateTime) -> Result<Swept, StoreError> {
    let store = DynamoStore::new(state.dynamodb.clone(), state.config.table.name.clone());
    let deletions_finished = store.finish_deletions().await?;
    let purged = store.purge_guest_data(now).await?;
    let swept = Swept {
        deletions_finished,
        lists_read: purged.lists,
        reservations_deleted: purged.reservations,
    };
    tracing::info!(?swept, "sweep done");
    Ok(swept)
}
