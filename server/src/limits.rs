//! How often guests may act: the adapter of the app's `RateLimiter` port, with its counts in
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

use app::ports::{GuestAction, RateLimiter};
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

/// The quota of each guest action, per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Reserving a gift.
    pub reserve: Quota,
    /// Opening or acting on a reservation page.
    pub reservation: Quota,
}

impl Quotas {
    /// The limits the site runs with.
    ///
    /// - Reserving: 10 per 10 minutes (a person reserving several gifts in a row is never
    ///   stopped; a script soon is).
    /// - Reservation pages: 60 a minute.
    pub fn standard() -> Self {
        Self {
            reserve: Quota {
                limit: 10,
                window_seconds: 600,
            },
            reservation: Quota {
                limit: 60,
                window_seconds: 60,
            },
        }
    }

    fn of(&self, action: GuestAction) -> Quota {
        match action {
            GuestAction::Reserve => self.reserve,
            GuestAction::Reservation => self.reservation,
        }
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Self::standard()
    }
}

/// The name of an action in its counters' keys.
fn action_name(action: GuestAction) -> &'static str {
    match action {
        GuestAction::Reserve => "reserve",
        GuestAction::Reservation => "reservation",
    }
}

/// How many refused keys an instance remembers at most.
const REMEMBERED_REFUSALS: usize = 10_000;

/// Keys refused in this instance, until their window ends: refused again without a request.
#[derive(Debug, Default)]
struct Refused {
    /// (action, key) → the window it was refused in.
    keys: HashMap<(GuestAction, String), i64>,
}

impl Refused {
    fn holds(&self, action: GuestAction, key: &str, window: i64) -> bool {
        self.keys.get(&(action, key.to_owned())) == Some(&window)
    }

    fn insert(
        &mut self,
        action: GuestAction,
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
    pub async fn allow_at(&self, action: GuestAction, keys: &[&str], now: OffsetDateTime) -> bool {
        let quota = self.quotas.of(action);
        let (window, ends) = quota.window(now);
        let mut distinct: Vec<&str> = Vec::with_capacity(keys.len());
        for key in keys {
            if !distinct.contains(key) {
                distinct.push(key);
            }
        }
        if distinct
            .iter()
            .any(|key| self.refused().holds(action, key, window))
        {
            metrics::count(Metric::RateLimited);
            return false;
        }
        let name = action_name(action);
        let counts = distinct
            .iter()
            .map(|key| self.counters.count(name, key, window, ends, quota.limit));
        let mut allowed = true;
        for (key, counted) in distinct.iter().zip(futures::future::join_all(counts).await) {
            match counted {
                Ok(true) => {}
                Ok(false) => {
                    allowed = false;
                    self.refused()
                        .insert(action, key, window, &self.quotas, now);
                }
                // Logged by the store; the action that follows will find the table too.
                Err(_) => tracing::warn!(action = name, "rate limit not checked"),
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
    /// Counts one attempt against each distinct key (all of them, even once one refuses) and
    /// allows it only if every key had room. No keys: nothing to limit, allowed.
    async fn allow(&self, action: GuestAction, keys: &[&str]) -> bool {
        self.allow_at(action, keys, OffsetDateTime::now_utc()).await
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
        refused.insert(GuestAction::Reserve, "203.0.113.7", 5, &quotas, now);
        assert!(refused.holds(GuestAction::Reserve, "203.0.113.7", 5));
        assert!(!refused.holds(GuestAction::Reserve, "203.0.113.7", 6));
        assert!(!refused.holds(GuestAction::Reservation, "203.0.113.7", 5));
        assert!(!refused.holds(GuestAction::Reserve, "198.51.100.1", 5));
    }

    #[test]
    fn remembered_refusals_stay_bounded() {
        let quotas = Quotas::standard();
        let mut refused = Refused::default();
        let now = OffsetDateTime::now_utc();
        for i in 0..REMEMBERED_REFUSALS + 5 {
            // Windows long gone: forgotten when the set is full.
            refused.insert(
                GuestAction::Reservation,
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
        assert_eq!(quotas.of(GuestAction::Reserve).limit, 10);
        assert_eq!(quotas.of(GuestAction::Reserve).window_seconds, 600);
        assert_eq!(quotas.of(GuestAction::Reservation).limit, 60);
        assert_eq!(quotas.of(GuestAction::Reservation).window_seconds, 60);
    }
}
