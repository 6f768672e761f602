//! Records of requests done once ([`domain::once`]): a post that must take effect once writes
//! its record in the same transaction as its change; the same post again finds the record and
//! answers with its outcome instead of doing it twice.
//!
//! A record is `ONCE#<request id>` holding the outcome (a list's or gift's id as text, or a
//! reservation token sealed by the request) and the table's TTL, an hour on. It is read with a
//! consistent read, and counts only while it is live ([`domain::once::KEPT_FOR`]).

use app::ports::StoreError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use domain::once::KEPT_FOR;
use domain::OnceRequest;
use time::OffsetDateTime;

use super::codec::{attr, epoch_seconds, item, string, DecodeError, Fields, Item};
use super::keys;
use super::table::{Expr, Table};

/// The outcome recorded for `request`, if it was done within [`KEPT_FOR`] of `now`.
pub async fn recorded(
    table: &Table,
    op: &'static str,
    request: &OnceRequest,
    now: OffsetDateTime,
) -> Result<Option<String>, StoreError> {
    let record = table.load(op, keys::once(request.id()), decode).await?;
    Ok(record.and_then(|(outcome, expires_at)| (now < expires_at).then_some(outcome)))
}

/// The write that records `outcome` for `request`, for the transaction that does it: it fails
/// (and so the whole change does) when the request was recorded already.
pub fn record(
    table: &Table,
    request: &OnceRequest,
    outcome: &str,
    now: OffsetDateTime,
) -> Result<TransactWriteItem, StoreError> {
    let mut record = item(keys::once(request.id()), "once", 1);
    record.insert(attr::OUTCOME.into(), string(outcome));
    record.insert(attr::EXPIRES_AT.into(), epoch_seconds(now + KEPT_FOR));
    table.put(record, Expr::absent())
}

fn decode(item: &Item) -> Result<(String, OffsetDateTime), DecodeError> {
    let f = Fields(item);
    Ok((f.non_empty(attr::OUTCOME)?, f.expiry(attr::EXPIRES_AT)?))
}
