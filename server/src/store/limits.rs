//! Rate-limit counters, shared by every instance of the server: one item per action, subject
//! (a client address, a list and mailbox, ...) and fixed time window, counted up by one
//! conditional `UpdateItem` that refuses once the count reaches the limit. The item expires
//! (the table's TTL) after its window. See "Rate limits" in `docs/data-model.md`.

use app::ports::StoreError;
use time::OffsetDateTime;

use super::codec::{attr, epoch_seconds, number};
use super::keys;
use super::table::{Expr, Table, Written};

/// The counters' table.
#[derive(Debug)]
pub struct Counters {
    table: Table,
}

impl Counters {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Counts one attempt of `action` by `subject` in window number `window` (which ends at
    /// `window_ends`), unless the count already reached `limit`: `true` when counted (the
    /// attempt is allowed), `false` when refused. One request either way.
    pub async fn count(
        &self,
        action: &str,
        subject: &str,
        window: i64,
        window_ends: OffsetDateTime,
        limit: u32,
    ) -> Result<bool, StoreError> {
        let written = self
            .table
            .update_item(
                "rate_limit",
                keys::limit(action, subject, window),
                "ADD #n :one SET #exp = if_not_exists(#exp, :exp)",
                Expr::condition("attribute_not_exists(#n) OR #n < :limit")
                    .name("#n", "n")
                    .name("#exp", attr::EXPIRES_AT)
                    .value(":one", number(1))
                    .value(":limit", number(limit))
                    .value(":exp", epoch_seconds(window_ends)),
            )
            .await?;
        Ok(written != Written::ConditionFailed)
    }
}
