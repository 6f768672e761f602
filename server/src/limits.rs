//! How often guests may act: the in-memory adapter of the app's `RateLimiter` port.
//!
//! Each guest action has its own limiter, and each limiter keeps one state per key (the
//! client's address, or a list and an email). The limits use GCRA (the `governor` crate): a
//! quota is a steady rate plus a burst, so a person who reserves a few gifts in a row is never
//! stopped, while a script that keeps going soon is.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use app::ports::{GuestAction, RateLimiter};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::Quota;

/// Forgotten keys are swept after this many calls of [`MemoryLimiter::allow`].
const SWEEP_EVERY: u64 = 1024;

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
    /// - Reserving: 10 per 10 minutes (one more every minute), with a burst of 5.
    /// - Reservation pages: 60 a minute (one more every second), with a burst of 20.
    pub fn standard() -> Self {
        Self {
            reserve: Quota::with_period(Duration::from_secs(60))
                .expect("the period is not zero")
                .allow_burst(nonzero(5)),
            reservation: Quota::per_minute(nonzero(60)).allow_burst(nonzero(20)),
        }
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Self::standard()
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("a quota is not zero")
}

/// One limiter: a state per key, over the clock `C`.
type Keyed<C> = governor::RateLimiter<
    String,
    DashMapStateStore<String>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

/// Guest rate limits kept in this process's memory.
///
/// The limits are per server instance: with several instances, a guest gets each instance's
/// quota. A deployment with more than one instance would keep the counts in the table instead,
/// so that they are shared; one instance does not need that.
///
/// [`allow`](RateLimiter::allow) counts the attempt against every key it is given, and refuses
/// it when any of them is over its limit. An attempt refused because of one key still uses up
/// one from each of the others (the limiter cannot look without counting), so a guest who keeps
/// trying against an exhausted list also runs down their own address's quota. That is fine
/// for a limit meant to stop scripts.
///
/// Memory stays bounded: every 1024th call sweeps out the keys whose state is back to fresh
/// (keys not used for as long as their burst takes to refill), and returns the space.
pub struct MemoryLimiter<C: Clock = DefaultClock> {
    reserve: Keyed<C>,
    reservation: Keyed<C>,
    calls: AtomicU64,
    sweep_every: u64,
}

impl MemoryLimiter {
    /// A limiter with these quotas, on the system's monotonic clock.
    pub fn new(quotas: Quotas) -> Self {
        Self::with_clock(quotas, DefaultClock::default())
    }

    /// A limiter with the site's [standard quotas](Quotas::standard).
    pub fn standard() -> Self {
        Self::new(Quotas::standard())
    }
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self::standard()
    }
}

impl<C: Clock + Clone> MemoryLimiter<C> {
    /// A limiter with these quotas on the given clock (tests use a fake one).
    pub fn with_clock(quotas: Quotas, clock: C) -> Self {
        Self {
            reserve: Keyed::dashmap_with_clock(quotas.reserve, clock.clone()),
            reservation: Keyed::dashmap_with_clock(quotas.reservation, clock),
            calls: AtomicU64::new(0),
            sweep_every: SWEEP_EVERY,
        }
    }
}

impl<C: Clock> MemoryLimiter<C> {
    fn limiter(&self, action: GuestAction) -> &Keyed<C> {
        match action {
            GuestAction::Reserve => &self.reserve,
            GuestAction::Reservation => &self.reservation,
        }
    }

    /// Forgets the keys whose state is no different from a fresh one, in every limiter.
    fn sweep(&self) {
        for limiter in [&self.reserve, &self.reservation] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

impl<C> RateLimiter for MemoryLimiter<C>
where
    C: Clock + Send + Sync + 'static,
{
    /// Counts one attempt against each distinct key (all of them, even once one refuses) and
    /// allows it only if every key had room. No keys: nothing to limit, allowed.
    fn allow(&self, action: GuestAction, keys: &[&str]) -> bool {
        if (self.calls.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(self.sweep_every) {
            self.sweep();
        }
        let limiter = self.limiter(action);
        let mut allowed = true;
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].contains(key) {
                continue;
            }
            allowed &= limiter.check_key(&(*key).to_owned()).is_ok();
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    /// Two a minute with a burst of 2 for reserving; 1 a second, burst 1, for reservations.
    fn tiny() -> Quotas {
        Quotas {
            reserve: Quota::per_minute(nonzero(2)),
            reservation: Quota::per_second(nonzero(1)),
        }
    }

    fn limiter() -> (MemoryLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (MemoryLimiter::with_clock(tiny(), clock.clone()), clock)
    }

    #[test]
    fn a_key_is_refused_after_its_burst() {
        let (limits, _) = limiter();
        assert!(limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
        assert!(limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
        assert!(!limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
        assert!(!limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
    }

    #[test]
    fn other_keys_and_other_actions_are_unaffected() {
        let (limits, _) = limiter();
        for _ in 0..3 {
            limits.allow(GuestAction::Reserve, &["203.0.113.7"]);
        }
        assert!(!limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
        assert!(limits.allow(GuestAction::Reserve, &["198.51.100.1"]));
        assert!(limits.allow(GuestAction::Reservation, &["203.0.113.7"]));
    }

    #[test]
    fn an_attempt_with_two_keys_is_refused_when_either_is_exhausted() {
        let (limits, _) = limiter();
        // The list and email key is used up from another address.
        limits.allow(GuestAction::Reserve, &["list-1 ann@example.com"]);
        limits.allow(GuestAction::Reserve, &["list-1 ann@example.com"]);
        assert!(!limits.allow(
            GuestAction::Reserve,
            &["203.0.113.7", "list-1 ann@example.com"]
        ));
        // The address key is used up (that refused attempt counted against it too).
        assert!(limits.allow(
            GuestAction::Reserve,
            &["203.0.113.7", "list-2 bob@example.com"]
        ));
        assert!(!limits.allow(
            GuestAction::Reserve,
            &["203.0.113.7", "list-3 cat@example.com"]
        ));
        assert!(limits.allow(
            GuestAction::Reserve,
            &["198.51.100.1", "list-3 cat@example.com"]
        ));
    }

    #[test]
    fn a_key_given_twice_counts_once() {
        let (limits, _) = limiter();
        assert!(limits.allow(GuestAction::Reserve, &["203.0.113.7", "203.0.113.7"]));
        assert!(limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
    }

    #[test]
    fn no_keys_means_no_limit() {
        let (limits, _) = limiter();
        for _ in 0..10 {
            assert!(limits.allow(GuestAction::Reservation, &[]));
        }
    }

    #[test]
    fn a_key_refills_with_time() {
        let (limits, clock) = limiter();
        let key = ["203.0.113.7"];
        assert!(limits.allow(GuestAction::Reserve, &key));
        assert!(limits.allow(GuestAction::Reserve, &key));
        assert!(!limits.allow(GuestAction::Reserve, &key));
        // Two a minute: one more every 30 seconds.
        clock.advance(Duration::from_secs(29));
        assert!(!limits.allow(GuestAction::Reserve, &key));
        clock.advance(Duration::from_secs(1));
        assert!(limits.allow(GuestAction::Reserve, &key));
        assert!(!limits.allow(GuestAction::Reserve, &key));
        // After a full minute the whole burst is back.
        clock.advance(Duration::from_secs(60));
        assert!(limits.allow(GuestAction::Reserve, &key));
        assert!(limits.allow(GuestAction::Reserve, &key));
        assert!(!limits.allow(GuestAction::Reserve, &key));
    }

    #[tokio::test]
    async fn the_real_clock_refills_too() {
        let limits = MemoryLimiter::new(Quotas {
            reserve: Quota::with_period(Duration::from_millis(200)).unwrap(),
            reservation: Quota::with_period(Duration::from_millis(200)).unwrap(),
        });
        assert!(limits.allow(GuestAction::Reservation, &["203.0.113.7"]));
        assert!(!limits.allow(GuestAction::Reservation, &["203.0.113.7"]));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(limits.allow(GuestAction::Reservation, &["203.0.113.7"]));
    }

    #[test]
    fn forgotten_keys_are_swept() {
        let (mut limits, clock) = limiter();
        limits.sweep_every = 10;
        for i in 0..9 {
            limits.allow(GuestAction::Reserve, &[&format!("198.51.100.{i}")]);
        }
        assert_eq!(limits.reserve.len(), 9);
        // Once a key's burst has refilled, its state is like a fresh one and can go.
        clock.advance(Duration::from_secs(61));
        limits.allow(GuestAction::Reserve, &["203.0.113.7"]);
        assert_eq!(limits.reserve.len(), 1, "only the key just used is kept");
    }

    #[test]
    fn the_standard_quotas() {
        let quotas = Quotas::standard();
        assert_eq!(quotas.reserve.burst_size().get(), 5);
        assert_eq!(
            quotas.reserve.replenish_interval(),
            Duration::from_secs(60),
            "10 per 10 minutes"
        );
        assert_eq!(quotas.reservation.burst_size().get(), 20);
        assert_eq!(
            quotas.reservation.replenish_interval(),
            Duration::from_secs(1)
        );
        assert_eq!(Quotas::default(), quotas);
    }

    #[test]
    fn the_standard_limiter_lets_a_person_reserve_five_gifts_in_a_row() {
        let limits = MemoryLimiter::standard();
        for _ in 0..5 {
            assert!(limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
        }
        assert!(!limits.allow(GuestAction::Reserve, &["203.0.113.7"]));
    }
}
