//! The courier: delivers the outbox's mails through the mail port, at least once.
//!
//! One pass ([`Courier::deliver_due`]) reads the mails due now, takes each for a try (a
//! conditional write, so two couriers never try the same mail at once), skips suppressed
//! mailboxes, sends, and records the outcome: sent; refused by the mail service (dead); or
//! failed for a reason that may pass, then due again after a growing pause, and dead after a
//! day ([`domain::delivery`]). Dead mails are logged at error level (`mail given up`), which
//! the operators' alarm counts.
//!
//! Locally (and on any long-running server) [`Courier::run`] makes passes in the background:
//! at once when a transaction in this process queues a mail, and every few seconds for the
//! retries and for mails other instances queued. In AWS a function triggered by the table's
//! stream makes a pass for new mails, and a schedule makes one for the retries.
//!
//! What can still go twice: a mail the service accepted whose courier died (or lost the table)
//! before recording it, once its lease ends. The mail's id goes with every try
//! ([`Mailer::send`]'s key) so that such a duplicate can be recognised.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use app::ports::{LimitedAction, MailError, Mailer, RateLimiter, StoreError};
use domain::delivery::{after_failure, AfterFailure};
use futures::StreamExt;
use time::OffsetDateTime;

use crate::metrics::{self, Metric};
use crate::store::outbox::{Claim, Due, MailState, Outbox, QUEUED};

/// How many mails one pass reads at most.
const PASS_SIZE: i32 = 50;
/// How many mails are sent at once.
const CONCURRENT_SENDS: usize = 8;
/// How often a running courier looks for due mails when nothing woke it.
const POLL: Duration = Duration::from_secs(5);
/// How long a mail held back by the site's hourly mail quota waits before it is due again.
const PACED_WAIT: time::Duration = time::Duration::minutes(5);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Due mails read.
    pub due: usize,
    pub sent: usize,
    /// Failed for a reason that may pass: due again later.
    pub retried: usize,
    /// Given up (refused, or a day of failures).
    pub dead: usize,
    /// Not sent: the mailbox is suppressed.
    pub suppressed: usize,
    /// Taken by another courier first.
    pub skipped: usize,
    /// Held back by the site's hourly mail quota: due again a few minutes later.
    pub paced: usize,
    /// How long the longest-waiting mail due had waited since it was queued (zero when none
    /// was due): the outbox's age, which an alarm watches.
    pub oldest_wait: time::Duration,
}

impl Pass {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Sent => {
                metrics::count(Metric::MailsSent);
                self.sent += 1;
            }
            Outcome::Retried => {
                metrics::count(Metric::MailsFailed);
                self.retried += 1;
            }
            Outcome::Dead => {
                metrics::count(Metric::MailsGivenUp);
                self.dead += 1;
            }
            Outcome::Suppressed => self.suppressed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Paced => self.paced += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retried,
    Dead,
    Suppressed,
    Skipped,
    Paced,
}

/// Delivers the outbox's mails (see the module's documentation).
#[derive(Clone)]
pub struct Courier {
    outbox: Arc<Outbox>,
    mailer: Arc<dyn Mailer>,
    /// The site's mail quota ([`LimitedAction::CourierMail`]): one bad hour (a flood of
    /// reservations from many addresses, say) cannot send so much that the mail service pauses
    /// the account, which would stop every mail. Mails over it wait in the outbox.
    pacing: Option<Arc<dyn RateLimiter>>,
}

impl Courier {
    pub fn new(outbox: Arc<Outbox>, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            outbox,
            mailer,
            pacing: None,
        }
    }

    /// Sends no more than the site's mail quota that `limiter` counts.
    pub fn with_pacing(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.pacing = Some(limiter);
        self
    }

    /// The outbox it delivers from.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// One pass over the mails due at `now` (at most 50; [`Pass::due`] says how many).
    pub async fn deliver_due(&self, now: OffsetDateTime) -> Result<Pass, StoreError> {
        let due = self.outbox.due(now, PASS_SIZE).await?;
        let mut pass = Pass {
            due: due.len(),
            oldest_wait: due
                .iter()
                .map(|mail| now - mail.queued_at)
                .max()
                .unwrap_or_default()
                .max(time::Duration::ZERO),
            ..Pass::default()
        };
        let mut tries = futures::stream::iter(due)
            .map(|mail| self.deliver(mail, now))
            .buffer_unordered(CONCURRENT_SENDS);
        let mut failed = None;
        while let Some(outcome) = tries.next().await {
            match outcome {
                Ok(outcome) => pass.add(outcome),
                Err(err) => failed = Some(err),
            }
        }
        if pass.sent + pass.retried + pass.dead + pass.suppressed + pass.paced > 0 {
            tracing::info!(
                sent = pass.sent,
                retried = pass.retried,
                dead = pass.dead,
                suppressed = pass.suppressed,
                paced = pass.paced,
                "outbox pass"
            );
        }
        match failed {
            Some(err) if pass.due == pass.skipped => Err(err),
            _ => Ok(pass),
        }
    }

    /// Passes until nothing is due at `now` (tests and the local loop).
    pub async fn deliver_all_due(&self, now: OffsetDateTime) -> Result<Pass, StoreError> {
        let mut total = Pass::default();
        loop {
            let pass = self.deliver_due(now).await?;
            total.due += pass.due;
            total.sent += pass.sent;
            total.retried += pass.retried;
            total.dead += pass.dead;
            total.suppressed += pass.suppressed;
            total.skipped += pass.skipped;
            total.paced += pass.paced;
            total.oldest_wait = total.oldest_wait.max(pass.oldest_wait);
            if pass.due < PASS_SIZE as usize {
                return Ok(total);
            }
        }
    }

    /// One try of one mail.
    async fn deliver(&self, due: Due, now: OffsetDateTime) -> Result<Outcome, StoreError> {
        let Some(claim) = self.outbox.claim(due, now).await? else {
            return Ok(Outcome::Skipped);
        };
        let kind = claim.due.kind.clone();
        let Some(mail) = claim.due.mail.clone() else {
            tracing::error!(mail = %kind, id = %claim.due.id, "mail given up: it cannot be read back");
            self.finish(&claim, MailState::Dead, "unreadable", now)
                .await?;
            return Ok(Outcome::Dead);
        };
        if self.outbox.is_suppressed(mail.recipient()).await? {
            tracing::info!(mail = %kind, id = %claim.due.id, "mail not sent: the mailbox is suppressed");
            self.finish(&claim, MailState::Suppressed, "suppressed", now)
                .await?;
            return Ok(Outcome::Suppressed);
        }
        if let Some(pacing) = &self.pacing {
            if !pacing.allow(LimitedAction::CourierMail, &["site"]).await {
                let at = now + PACED_WAIT;
                tracing::warn!(mail = %kind, id = %claim.due.id, retry_at = %at, "mail held back: the site's hourly mail quota is used up");
                if !self.outbox.retry_at(&claim, at).await? {
                    tracing::warn!(mail = %kind, id = %claim.due.id, "a mail's lease ended before its try did");
                }
                return Ok(Outcome::Paced);
            }
        }
        match self.mailer.send(&mail, &claim.due.id).await {
            Ok(()) => {
                // The time it was recorded, not the pass's (which may be long before).
                self.finish(&claim, MailState::Sent, "", OffsetDateTime::now_utc())
                    .await?;
                Ok(Outcome::Sent)
            }
            Err(MailError::Rejected) => {
                tracing::error!(mail = %kind, id = %claim.due.id, tries = claim.try_number, "mail given up: the mail service refused it");
                self.finish(&claim, MailState::Dead, "rejected", now)
                    .await?;
                Ok(Outcome::Dead)
            }
            Err(MailError::Unavailable) => {
                match after_failure(claim.due.queued_at, claim.try_number, now) {
                    AfterFailure::RetryAt(at) => {
                        tracing::info!(mail = %kind, id = %claim.due.id, tries = claim.try_number, retry_at = %at, "mail not sent yet");
                        if !self.outbox.retry_at(&claim, at).await? {
                            tracing::warn!(mail = %kind, id = %claim.due.id, "a mail's lease ended before its try did");
                        }
                        Ok(Outcome::Retried)
                    }
                    AfterFailure::GiveUp => {
                        tracing::error!(mail = %kind, id = %claim.due.id, tries = claim.try_number, "mail given up: a day of failed tries");
                        self.finish(&claim, MailState::Dead, "unavailable", now)
                            .await?;
                        Ok(Outcome::Dead)
                    }
                }
            }
        }
    }

    async fn finish(
        &self,
        claim: &Claim,
        state: MailState,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let reason = (!reason.is_empty()).then_some(reason);
        if !self.outbox.finish(claim, state, reason, now).await? {
            tracing::warn!(
                mail = %claim.due.kind,
                id = %claim.due.id,
                "a mail's lease ended before its try did: another try may send it again"
            );
        }
        Ok(())
    }

    /// Makes passes until `stop` resolves: at once when this process queues a mail, and every
    /// few seconds otherwise. A pass that fails (the table unreachable) is logged by the store
    /// and the next one tries again.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let _ = self.deliver_all_due(OffsetDateTime::now_utc()).await;
            tokio::select! {
                () = &mut stop => return,
                () = QUEUED.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
