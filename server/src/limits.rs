//! How often people may act: the adapter of the app's `RateLimiter` port, with its counts in
//! the table so that every instance of the server (and every Lambda) sees the same ones.
//!
//! Each action has a quota: at most `limit` attempts per key in each fixed window of time (a
//! key is a client address, or a list and a mailbox). An attempt counts one against each of
//! its keys, concurrently, with one conditional `UpdateItem` each ([`Counters::count`]), and is
//! allowed only if every key had room.
//!
//! A key that was refused is remembered in this instance until its window ends, and refused
//! again without a request: a script hammering one key costs the table one write per window
//! and instance, not one per attempt, so a hot key cannot throttle the table.
//!
//! When the table cannot be reached the attempt is allowed (and logged): the action that
//! follows needs the table too, and will answer that it is unavailable.

use std::collections::HashMap;
use std::sync::Mutex;

use app::ports::{LimitedAction, RateLimiter};
use time::OffsetDateTime;

use crate::metrics::{self, Metric};

use crate::store::limits::Counters;

/// At most `limit` attempts per key in each window of `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub window_seconds: i64,
}

impl Quota {
    /// The number of the window `now` falls in, and when it ends. Windows are aligned on the
    /// epoch, so every instance agrees on them.
    pub fn window(&self, now: OffsetDateTime) -> (i64, OffsetDateTime) {
        let seconds = self.window_seconds.max(1);
        let number = now.unix_timestamp().div_euclid(seconds);
        let ends = OffsetDateTime::from_unix_timestamp((number + 1) * seconds)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        (number, ends)
    }
}

/// The quota of each limited action, per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    quotas: [Quota; LimitedAction::ALL.len()],
}

impl Quotas {
    /// The limits the site runs with. Each is generous for a person and soon stops a script.
    ///
    /// | action | key | quota |
    /// |---|---|---|
    /// | reserving | client address | 10 per 10 minutes |
    /// | reserving (a real attempt) | list and mailbox | 20 per 10 minutes |
    /// | a reservation mail (a real attempt) | recipient mailbox | 20 an hour |
    /// | a reservation mail (a real attempt) | list | 100 an hour |
    /// | reservation pages | client address | 60 a minute |
    /// | public lists | client address | 120 a minute |
    /// | starting a sign-in | client address | 20 per 10 minutes |
    /// | link lookups | account | 30 per 10 minutes |
    /// | new lists | account | 20 an hour |
    /// | new gifts | account | 300 an hour |
    /// | mails sent by the courier | the whole site | 2,000 an hour |
    /// | downloading one's data or deleting one's account | account | 10 an hour |
    pub fn standard() -> Self {
        let quota = |limit, window_seconds| Quota {
            limit,
            window_seconds,
        };
        Self {
            quotas: LimitedAction::ALL.map(|action| match action {
                LimitedAction::Reserve => quota(10, 600),
                LimitedAction::ReserveFor => quota(20, 600),
                LimitedAction::MailTo => quota(20, 3600),
                LimitedAction::MailFromList => quota(100, 3600),
                LimitedAction::Reservation => quota(60, 60),
                LimitedAction::PublicList => quota(120, 60),
                LimitedAction::SignIn => quota(20, 600),
                LimitedAction::Lookup => quota(30, 600),
                LimitedAction::CreateList => quota(20, 3600),
                LimitedAction::AddGift => quota(300, 3600),
                LimitedAction::CourierMail => quota(2000, 3600),
                LimitedAction::Account => quota(10, 3600),
                // Each message also mails its copy to the address typed: few, so the form is
                // no way to mail strangers.
                LimitedAction::Contact => quota(5, 3600),
            }),
        }
    }

    /// These quotas with `action`'s replaced (tests and benchmarks).
    pub fn with(mut self, action: LimitedAction, quota: Quota) -> Self {
        self.quotas[action as usize] = quota;
        self
    }

    pub fn of(&self, action: LimitedAction) -> Quota {
        self.quotas[action as usize]
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Self::standard()
    }
}

/// How many refused keys an instance remembers at most.
const REMEMBERED_REFUSALS: usize = 10_000;

/// Keys refused in this instance, until their window ends: refused again without a request.
#[derive(Debug, Default)]
struct Refused {
    /// (action, key) → the window it was refused in.
    keys: HashMap<(LimitedAction, String), i64>,
}

impl Refused {
    fn holds(&self, action: LimitedAction, key: &str, window: i64) -> bool {
        self.keys.get(&(action, key.to_owned())) == Some(&window)
    }

    fn insert(
        &mut self,
        action: LimitedAction,
        key: &str,
        window: i64,
        quotas: &Quotas,
        now: OffsetDateTime,
    ) {
        if self.keys.len() >= REMEMBERED_REFUSALS {
            // Forget the refusals of windows that have ended; if that is not enough, all.
            self.keys
                .retain(|(action, _), w| quotas.of(*action).window(now).0 == *w);
            if self.keys.len() >= REMEMBERED_REFUSALS {
                self.keys.clear();
            }
        }
        self.keys.insert((action, key.to_owned()), window);
    }
}

/// Guest rate limits kept in the table (see the module's documentation).
pub struct TableLimiter {
    counters: Counters,
    quotas: Quotas,
    refused: Mutex<Refused>,
}

impl TableLimiter {
    pub fn new(counters: Counters, quotas: Quotas) -> Self {
        Self {
            counters,
            quotas,
            refused: Mutex::new(Refused::default()),
        }
    }

    fn refused(&self) -> std::sync::MutexGuard<'_, Refused> {
        self.refused.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// [`RateLimiter::allow`] at `now`.
    pub async fn allow_at(
        &self,
        action: LimitedAction,
        keys: &[&str],
        now: OffsetDateTime,
    ) -> bool {
        let checks: Vec<(LimitedAction, &str)> = keys.iter().map(|key| (action, *key)).collect();
        self.allow_all_at(&checks, now).await
    }

    /// [`RateLimiter::allow_all`] at `now`.
    pub async fn allow_all_at(
        &self,
        checks: &[(LimitedAction, &str)],
        now: OffsetDateTime,
    ) -> bool {
        let mut distinct: Vec<(LimitedAction, &str, i64, OffsetDateTime)> =
            Vec::with_capacity(checks.len());
        for &(action, key) in checks {
            if !distinct.iter().any(|(a, k, ..)| *a == action && *k == key) {
                let (window, ends) = self.quotas.of(action).window(now);
                distinct.push((action, key, window, ends));
            }
        }
        if distinct
            .iter()
            .any(|(action, key, window, _)| self.refused().holds(*action, key, *window))
        {
            metrics::count(Metric::RateLimited);
            return false;
        }
        let counts = distinct.iter().map(|(action, key, window, ends)| {
            let limit = self.quotas.of(*action).limit;
            self.counters
                .count(action.name(), key, *window, *ends, limit)
        });
        let mut allowed = true;
        for ((action, key, window, _), counted) in
            distinct.iter().zip(futures::future::join_all(counts).await)
        {
            match counted {
                Ok(true) => {}
                Ok(false) => {
                    allowed = false;
                    tracing::info!(action = action.name(), "rate limited");
                    self.refused()
                        .insert(*action, key, *window, &self.quotas, now);
                }
                // Logged by the store; the action that follows will find the table too.
                Err(_) => tracing::warn!(action = action.name(), "rate limit not checked"),
            }
        }
        if !allowed {
            metrics::count(Metric::RateLimited);
        }
        allowed
    }
}

#[async_trait::async_trait]
impl RateLimiter for TableLimiter {
    /// Counts one attempt against each distinct (action, key) (all of them, even once one
    /// refuses) and allows it only if every one had room. Nothing to count: allowed.
    async fn allow_all(&self, checks: &[(LimitedAction, &str)]) -> bool {
        self.allow_all_at(checks, OffsetDateTime::now_utc()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_are_aligned_on_the_epoch() {
        let quota = Quota {
            limit: 1,
            window_seconds: 600,
        };
        let (n, ends) = quota.window(datetime!(2026-12-02 10:07:59 UTC));
        assert_eq!(ends, datetime!(2026-12-02 10:10 UTC));
        assert_eq!(quota.window(datetime!(2026-12-02 10:00 UTC)).0, n);
        assert_eq!(quota.window(datetime!(2026-12-02 10:10 UTC)).0, n + 1);
    }

    #[test]
    fn a_refusal_is_remembered_for_its_window_only() {
        let quotas = Quotas::standard();
        let mut refused = Refused::default();
        let now = OffsetDateTime::now_utc();
        refused.insert(LimitedAction::Reserve, "203.0.113.7", 5, &quotas, now);
        assert!(refused.holds(LimitedAction::Reserve, "203.0.113.7", 5));
        assert!(!refused.holds(LimitedAction::Reserve, "203.0.113.7", 6));
        assert!(!refused.holds(LimitedAction::Reservation, "203.0.113.7", 5));
        assert!(!refused.holds(LimitedAction::Reserve, "198.51.100.1", 5));
    }

    #[test]
    fn remembered_refusals_stay_bounded() {
        let quotas = Quotas::standard();
        let mut refused = Refused::default();
        let now = OffsetDateTime::now_utc();
        for i in 0..REMEMBERED_REFUSALS + 5 {
            // Windows long gone: forgotten when the set is full.
            refused.insert(
                LimitedAction::Reservation,
                &format!("key-{i}"),
                1,
                &quotas,
                now,
            );
        }
        assert!(refused.keys.len() <= REMEMBERED_REFUSALS);
    }

    #[test]
    fn the_standard_quotas() {
        let quotas = Quotas::default();
        assert_eq!(quotas.of(LimitedAction::Reserve).limit, 10);
        assert_eq!(quotas.of(LimitedAction::Reserve).window_seconds, 600);
        assert_eq!(quotas.of(LimitedAction::Reservation).limit, 60);
        assert_eq!(quotas.of(LimitedAction::Reservation).window_seconds, 60);
    }

    #[test]
    fn every_action_has_its_own_quota_and_name() {
        let quotas = Quotas::default();
        let mut names: Vec<&str> = LimitedAction::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LimitedAction::ALL.len());
        for (i, action) in LimitedAction::ALL.into_iter().enumerate() {
            assert_eq!(action as usize, i, "ALL is in the discriminants' order");
            assert!(quotas.of(action).limit > 0 && quotas.of(action).window_seconds > 0);
        }
    }

    #[test]
    fn a_guest_s_own_quota_outlasts_a_stranger_s_single_address() {
        // A stranger who knows a guest's email, from one address, runs out of attempts before
        // the guest's per-(list, mailbox) quota does.
        let quotas = Quotas::default();
        let per_address = quotas.of(LimitedAction::Reserve);
        let per_mailbox = quotas.of(LimitedAction::ReserveFor);
        assert_eq!(per_address.window_seconds, per_mailbox.window_seconds);
        assert!(per_mailbox.limit > per_address.limit);
    }
}
