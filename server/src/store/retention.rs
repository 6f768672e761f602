//! Deleting guests' personal data when it is due ([`domain::retention`]): the daily sweep reads
//! every list's meta item (one scan), skips the lists where nothing can have expired yet, and
//! deletes the expired reservations of the others. The gifts keep their counts.

use app::ports::StoreError;
use domain::retention;
use time::OffsetDateTime;

use super::codec::{attr, string};
use super::items::{decode_list, decode_reservation};
use super::keys;
use super::schema::{PK, SK};
use super::table::{Expr, Table};

/// What one purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Lists read.
    pub lists: usize,
    /// Lists whose reservations were read (the others could have nothing expired).
    pub lists_checked: usize,
    /// Reservations deleted.
    pub reservations: usize,
}

/// Deletes every reservation whose guest data is due at `now`.
pub async fn purge_guest_data(table: &Table, now: OffsetDateTime) -> Result<Purged, StoreError> {
    const OP: &str = "purge_guest_data";
    let metas = Expr::condition("#sk = :meta AND attribute_not_exists(#deleted)")
        .name("#sk", SK)
        .name("#deleted", attr::DELETED_AT)
        .value(":meta", string(keys::LIST_META));
    let mut purged = Purged::default();
    for item in table.scan_where(OP, metas).await? {
        let list = table.decode(OP, &item, decode_list)?.list;
        purged.lists += 1;
        if retention::nothing_expired_yet(&list, now) {
            continue;
        }
        purged.lists_checked += 1;
        let query = table
            .query()
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :reservations)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", string(keys::list_pk(&list.id)))
            .expression_attribute_values(":reservations", string(keys::RESERVATION));
        let mut expired = Vec::new();
        for item in table.query_all(OP, query).await? {
            let reservation = table.decode(OP, &item, decode_reservation)?.value;
            if retention::guest_data_expires(&list, &reservation) <= now {
                expired.push(keys::reservation(&reservation.key));
            }
        }
        purged.reservations += expired.len();
        if !expired.is_empty() {
            tracing::info!(operation = OP, list = %list.id, reservations = expired.len(), "guest data deleted");
        }
        table.batch_delete(OP, expired).await?;
    }
    Ok(purged)
}
