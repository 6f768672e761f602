//! Messages from the contact page: `CONTACT#<id>`, kept for [`domain::contact::KEPT_FOR`] (the
//! table's time to live), written in one transaction with the mails they cause (to the team,
//! and the copy to the sender), so a kept message always has its mails and a refused one none.

use app::ports::{Mail, StoreError};
use domain::ContactMessage;

use super::codec::{attr, epoch_seconds, item, string, time};
use super::keys;
use super::outbox;
use super::table::{Expr, Table, Written};

pub async fn keep(
    table: &Table,
    id: &str,
    message: &ContactMessage,
    mails: &[Mail],
) -> Result<(), StoreError> {
    const OP: &str = "keep_contact";
    let mut kept = item(keys::contact(id), "contact", 1);
    kept.insert(attr::NAME.into(), string(message.name.as_str()));
    kept.insert(attr::EMAIL.into(), string(message.email.as_str()));
    kept.insert(attr::MESSAGE.into(), string(message.text.as_str()));
    kept.insert(attr::CREATED_AT.into(), time(message.sent_at));
    kept.insert(attr::EXPIRES_AT.into(), epoch_seconds(message.expires_at()));
    let mut writes = vec![table.put(kept, Expr::absent())?];
    writes.extend(outbox::enqueue_all(table, mails, message.sent_at)?);
    match table.transact(OP, writes).await? {
        Written::Committed => Ok(()),
        Written::ConditionFailed => Err(StoreError::Conflict),
        Written::Conflicted => Err(StoreError::Conflict),
    }
}
