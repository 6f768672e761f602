//! The mail outbox: every mail is an item written in the same transaction as the change that
//! causes it ([`enqueue`]), and delivered later by a courier (`crate::mail::Courier`) through
//! [`Outbox`]. See "Mail" in `docs/data-model.md`.
//!
//! A mail waits in the `OUTBOX` partition of `gsi1`, sorted by when it is due. Taking it for a
//! try ([`Outbox::claim`]) moves its due time to the end of a lease in one conditional write,
//! so two couriers never try the same mail at once, and a courier that dies mid-try leaves it
//! due again when the lease ends. After the try it is marked sent (its contents removed, the
//! receipt kept for a month), due again later ([`domain::delivery`]), dead, or suppressed.

use app::ports::{Mail, StoreError};
use aws_sdk_dynamodb::types::{Select, TransactWriteItem};
use domain::Email;
use time::{Duration, OffsetDateTime};
use tokio::sync::Notify;

use super::codec::{attr, epoch_seconds, item, number, string, time, DecodeError, Fields, Item};
use super::keys;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK};
use super::table::{Expr, Table, Written};

/// Woken when a transaction that queued a mail commits, so that a courier in this process
/// starts at once instead of at its next poll. (In AWS the table's stream does the same.)
pub static QUEUED: Notify = Notify::const_new();

/// How long the receipt of a sent, dead or suppressed mail is kept.
pub const RECEIPT_KEPT: Duration = Duration::days(30);

/// Attribute names of outbox items.
mod name {
    pub const MAIL: &str = "mail";
    pub const MAIL_KIND: &str = "mail_kind";
    pub const TRIES: &str = "tries";
    pub const QUEUED_AT: &str = "queued_at";
    pub const DONE_AT: &str = "done_at";
    pub const REASON: &str = "reason";
}

/// Where a mail is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Waiting for a (first or further) try.
    Pending,
    Sent,
    /// Given up: refused by the mail service, or a day of failed tries.
    Dead,
    /// Not sent: its mailbox is suppressed.
    Suppressed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Suppressed => "suppressed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Dead, Self::Suppressed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A new mail id: 128 random bits as 32 hex digits. It is the mail's key in the outbox and
/// its idempotency key with the mail service.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The writes that queue `mails` (for the transaction of the change that causes them).
pub fn enqueue_all(
    table: &Table,
    mails: &[Mail],
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    mails.iter().map(|mail| enqueue(table, mail, now)).collect()
}

/// The write that queues `mail` (for a transaction).
pub fn enqueue(
    table: &Table,
    mail: &Mail,
    now: OffsetDateTime,
) -> Result<TransactWriteItem, StoreError> {
    let id = new_id();
    let kind = crate::mail::kind(mail);
    let json = serde_json::to_string(mail).map_err(|e| table.fail("encode a mail", &e))?;
    let mut item = item(keys::mail(&id), "mail", 1);
    item.insert(name::MAIL.into(), string(json));
    item.insert(name::MAIL_KIND.into(), string(kind));
    item.insert(attr::STATE.into(), string(MailState::Pending.as_str()));
    item.insert(name::TRIES.into(), number(0));
    item.insert(name::QUEUED_AT.into(), time(now));
    item.insert(GSI1_PK.into(), string(keys::OUTBOX));
    item.insert(GSI1_SK.into(), string(keys::mail_due_sk(now, &id)));
    table.put(item, Expr::absent())
}

/// Whether a transaction's writes queue a mail (then [`QUEUED`] is woken once it commits).
pub fn queues_mail(writes: &[TransactWriteItem]) -> bool {
    writes.iter().any(|w| {
        w.put().is_some_and(|put| {
            put.item()
                .get(PK)
                .and_then(|pk| pk.as_s().ok())
                .is_some_and(|pk| pk.starts_with(keys::MAIL))
        })
    })
}

/// A mail due for a try, as read from the outbox.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: String,
    /// `None` when the stored mail cannot be read back (it is then given up).
    pub mail: Option<Mail>,
    pub kind: String,
    pub tries: u32,
    pub queued_at: OffsetDateTime,
    /// Its `gsi1sk` when read: a claim succeeds only if nobody moved it since.
    due_sk: String,
}

/// A mail taken for a try: nobody else tries it until `lease_ends`.
#[derive(Debug, Clone)]
pub struct Claim {
    pub due: Due,
    /// The try this is (1 for the first).
    pub try_number: u32,
    lease_sk: String,
}

fn decode_due(item: &Item) -> Result<Due, DecodeError> {
    let f = Fields(item);
    let pk = f.s(PK)?;
    let id = pk
        .strip_prefix(keys::MAIL)
        .ok_or_else(|| Fields::error(PK, "not a mail"))?
        .to_owned();
    let mail = f
        .opt_s(name::MAIL)?
        .and_then(|json| serde_json::from_str(json).ok());
    Ok(Due {
        id,
        mail,
        kind: f.s(name::MAIL_KIND)?.to_owned(),
        tries: f.n(name::TRIES)?,
        queued_at: f.time(name::QUEUED_AT)?,
        due_sk: f.s(GSI1_SK)?.to_owned(),
    })
}

/// One mail as [`Outbox::all`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: String,
    pub kind: String,
    pub state: MailState,
    pub tries: u32,
    pub queued_at: Option<OffsetDateTime>,
    /// When it was sent, given up or suppressed.
    pub done_at: Option<OffsetDateTime>,
}

/// What an operator sees of the outbox (`server outbox`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting for a try, due now or later.
    pub pending: usize,
    /// Given up, in the last month.
    pub dead: usize,
}

/// The outbox as its courier and operators see it.
#[derive(Debug)]
pub struct Outbox {
    table: Table,
}

impl Outbox {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Up to `limit` mails due at `now`, the longest-waiting first.
    pub async fn due(&self, now: OffsetDateTime, limit: i32) -> Result<Vec<Due>, StoreError> {
        const OP: &str = "outbox_due";
        let page = self
            .table
            .query()
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk AND #sk <= :until")
            .expression_attribute_names("#pk", GSI1_PK)
            .expression_attribute_names("#sk", GSI1_SK)
            .expression_attribute_values(":pk", string(keys::OUTBOX))
            .expression_attribute_values(":until", string(keys::mail_due_until(now)))
            .limit(limit);
        let items = self.table.query_page(OP, page).await?;
        items
            .iter()
            .map(|item| self.table.decode(OP, item, decode_due))
            .collect()
    }

    /// Takes `due` for a try at `now`, unless another courier took it first (`None`).
    pub async fn claim(&self, due: Due, now: OffsetDateTime) -> Result<Option<Claim>, StoreError> {
        let lease_sk = keys::mail_due_sk(now + domain::delivery::LEASE, &due.id);
        let written = self
            .table
            .update_item(
                "outbox_claim",
                keys::mail(&due.id),
                "SET #sk = :lease, #tries = #tries + :one",
                Expr::condition("#sk = :seen AND #state = :pending")
                    .name("#sk", GSI1_SK)
                    .name("#tries", name::TRIES)
                    .name("#state", attr::STATE)
                    .value(":lease", string(lease_sk.clone()))
                    .value(":one", number(1))
                    .value(":seen", string(due.due_sk.clone()))
                    .value(":pending", string(MailState::Pending.as_str())),
            )
            .await?;
        Ok((written == Written::Committed).then(|| Claim {
            try_number: due.tries + 1,
            due,
            lease_sk,
        }))
    }

    /// Ends a try for good: the mail leaves the queue in `state` (its contents removed once
    /// sent or suppressed; kept for operators when dead), and its receipt expires in a month.
    /// `false` when the lease had ended and another courier had taken the mail meanwhile.
    pub async fn finish(
        &self,
        claim: &Claim,
        state: MailState,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut expr = Expr::condition("#sk = :lease")
            .name("#sk", GSI1_SK)
            .name("#state", attr::STATE)
            .name("#done", name::DONE_AT)
            .name("#exp", attr::EXPIRES_AT)
            .name("#reason", name::REASON)
            .value(":lease", string(claim.lease_sk.clone()))
            .value(":state", string(state.as_str()))
            .value(":done", time(now))
            .value(":exp", epoch_seconds(now + RECEIPT_KEPT))
            .value(":reason", string(reason.unwrap_or("")));
        let update = if state == MailState::Dead {
            // Kept in the dead mails' partition, with its contents, for operators.
            expr = expr
                .name("#pk", GSI1_PK)
                .value(":dead", string(keys::DEAD_MAIL))
                .value(":dead_sk", string(keys::mail_due_sk(now, &claim.due.id)));
            "SET #state = :state, #done = :done, #exp = :exp, #reason = :reason, \
             #pk = :dead, #sk = :dead_sk"
        } else {
            expr = expr.name("#pk", GSI1_PK).name("#mail", name::MAIL);
            "SET #state = :state, #done = :done, #exp = :exp, #reason = :reason \
             REMOVE #pk, #sk, #mail"
        };
        // Sent and given-up mails are counted in the same write (the day's KPIs).
        let counted = match state {
            MailState::Sent => Some(domain::Kpi::MailSent),
            MailState::Dead => Some(domain::Kpi::MailFailed),
            _ => None,
        };
        let written = match counted {
            Some(kpi) => {
                let writes = vec![
                    self.table.update(keys::mail(&claim.due.id), update, expr)?,
                    super::tools::count(&self.table, kpi, now, &claim.due.id)?,
                ];
                self.table.transact("outbox_finish", writes).await?
            }
            None => {
                self.table
                    .update_item("outbox_finish", keys::mail(&claim.due.id), update, expr)
                    .await?
            }
        };
        Ok(written == Written::Committed)
    }

    /// Puts the mail back in the queue, due at `at`. `false` when the lease had ended and
    /// another courier had taken it meanwhile.
    pub async fn retry_at(&self, claim: &Claim, at: OffsetDateTime) -> Result<bool, StoreError> {
        let written = self
            .table
            .update_item(
                "outbox_retry",
                keys::mail(&claim.due.id),
                "SET #sk = :next",
                Expr::condition("#sk = :lease")
                    .name("#sk", GSI1_SK)
                    .value(":next", string(keys::mail_due_sk(at, &claim.due.id)))
                    .value(":lease", string(claim.lease_sk.clone())),
            )
            .await?;
        Ok(written == Written::Committed)
    }

    /// Whether mail to `to` is suppressed.
    pub async fn is_suppressed(&self, to: &Email) -> Result<bool, StoreError> {
        let item = self
            .table
            .get("outbox_suppressed", keys::suppressed(&to.mailbox_key()))
            .await?;
        Ok(item.is_some())
    }

    /// Never mails `to` again (a hard bounce or a complaint; `reason` says which).
    pub async fn suppress(
        &self,
        to: &Email,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut item = item(keys::suppressed(&to.mailbox_key()), "suppressed", 1);
        item.insert(name::REASON.into(), string(reason));
        item.insert(attr::CREATED_AT.into(), time(now));
        self.table
            .put_item("suppress", item, Expr::default())
            .await?;
        Ok(())
    }

    /// How many mails wait and how many died (two counting queries on the index).
    pub async fn counts(&self) -> Result<OutboxCounts, StoreError> {
        let count = |partition: &'static str| async move {
            self.table
                .query_count(
                    "outbox_counts",
                    self.table
                        .query()
                        .index_name(GSI1)
                        .key_condition_expression("#pk = :pk")
                        .expression_attribute_names("#pk", GSI1_PK)
                        .expression_attribute_values(":pk", string(partition))
                        .select(Select::Count),
                )
                .await
        };
        let (pending, dead) = tokio::try_join!(count(keys::OUTBOX), count(keys::DEAD_MAIL))?;
        Ok(OutboxCounts { pending, dead })
    }

    /// The state of the mail `id` and how many times it was tried (for tests and operators).
    pub async fn state(&self, id: &str) -> Result<Option<(MailState, u32)>, StoreError> {
        let item = self.table.get("outbox_state", keys::mail(id)).await?;
        Ok(item.and_then(|item| {
            let f = Fields(&item);
            let state = MailState::parse(f.s(attr::STATE).ok()?)?;
            Some((state, f.n(name::TRIES).ok()?))
        }))
    }

    /// Every mail in the table (a scan: tests and small tables only).
    pub async fn all(&self) -> Result<Vec<MailRecord>, StoreError> {
        let items = self.table.scan_prefix("outbox_all", PK, keys::MAIL).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let f = Fields(item);
                Some(MailRecord {
                    id: f.s(PK).ok()?.strip_prefix(keys::MAIL)?.to_owned(),
                    kind: f.s(name::MAIL_KIND).ok()?.to_owned(),
                    state: MailState::parse(f.s(attr::STATE).ok()?)?,
                    tries: f.n(name::TRIES).ok()?,
                    queued_at: f.time(name::QUEUED_AT).ok(),
                    done_at: f.time(name::DONE_AT).ok(),
                })
            })
            .collect())
    }
}
