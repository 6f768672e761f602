//! When the outbox tries a mail again: exponential back-off, then giving up.
//!
//! A mail that could not be sent (the mail service was down or slow) is tried again after
//! 30 s, 1 min, 2 min, … doubling up to [`MAX_PAUSE`] between tries; once the next try would
//! fall more than [`GIVE_UP_AFTER`] after the mail was queued, it is given up (the outbox's
//! dead state, which operators are alerted to). A try holds the mail for [`LEASE`]: if the
//! process sending it dies, the mail is due again when the lease ends.

use time::{Duration, OffsetDateTime};

/// The pause after the first failed try.
pub const FIRST_PAUSE: Duration = Duration::seconds(30);
/// The longest pause between two tries.
pub const MAX_PAUSE: Duration = Duration::hours(4);
/// How long after it was queued a mail is given up.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);
/// How long one try holds a mail before another sender may take it. Longer than one send can
/// take (the mail client's whole operation is bounded well below it).
pub const LEASE: Duration = Duration::seconds(60);

/// What to do after a try failed for a reason that may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(OffsetDateTime),
    /// Too late: stop trying.
    GiveUp,
}

/// The pause after `tries` failed tries (the first is [`FIRST_PAUSE`]).
pub fn pause(tries: u32) -> Duration {
    let doublings = tries.saturating_sub(1).min(20);
    let pause = FIRST_PAUSE * 2_i32.pow(doublings);
    pause.min(MAX_PAUSE)
}

/// After the `tries`-th failed try at `now` of a mail queued at `queued_at`.
pub fn after_failure(queued_at: OffsetDateTime, tries: u32, now: OffsetDateTime) -> AfterFailure {
    let next = now + pause(tries);
    if next > queued_at + GIVE_UP_AFTER {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn pauses_double_from_thirty_seconds_up_to_four_hours() {
        assert_eq!(pause(0), Duration::seconds(30));
        assert_eq!(pause(1), Duration::seconds(30));
        assert_eq!(pause(2), Duration::minutes(1));
        assert_eq!(pause(3), Duration::minutes(2));
        assert_eq!(pause(9), Duration::minutes(128));
        assert_eq!(pause(10), Duration::hours(4));
        assert_eq!(pause(u32::MAX), Duration::hours(4));
    }

    #[test]
    fn a_mail_that_keeps_failing_is_tried_for_a_day_then_given_up() {
        let queued = datetime!(2026-12-02 10:00 UTC);
        let mut now = queued;
        let mut tries = 0;
        loop {
            tries += 1;
            match after_failure(queued, tries, now) {
                AfterFailure::RetryAt(next) => {
                    assert!(next > now);
                    assert!(next <= queued + GIVE_UP_AFTER);
                    now = next;
                }
                AfterFailure::GiveUp => break,
            }
        }
        // Tried through most of the day, and a bounded number of times.
        assert!(now > queued + Duration::hours(20), "{now}");
        assert!((10..20).contains(&tries), "{tries}");
    }
}
