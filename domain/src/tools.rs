//! The team's tools: the day-by-day counts (KPIs), the queue of products owners added that the
//! catalogue lacks, and the audit trail of every change an admin makes.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::product::ProductSnapshot;

choice!(
    /// Something the site counts, per day (UTC), in the same write that does it.
    Kpi, what: "measure",
    {
        SignUp => "sign-ups",
        ListCreated => "lists",
        GiftAdded => "gifts",
        Reservation => "reservations",
        Purchase => "purchases",
        Cancellation => "cancellations",
        MailSent => "mails-sent",
        MailFailed => "mails-failed",
    }
);

impl Kpi {
    /// How the dashboard names it.
    pub fn label(self) -> &'static str {
        match self {
            Kpi::SignUp => "Sign-ups",
            Kpi::ListCreated => "Lists created",
            Kpi::GiftAdded => "Gifts added",
            Kpi::Reservation => "Reservations",
            Kpi::Purchase => "Purchases",
            Kpi::Cancellation => "Cancellations",
            Kpi::MailSent => "Mails sent",
            Kpi::MailFailed => "Mails failed",
        }
    }

    /// The day a thing done at `at` counts for.
    pub fn day(at: OffsetDateTime) -> Date {
        at.to_offset(time::UtcOffset::UTC).date()
    }
}

/// How many days the dashboard shows.
pub const KPI_DAYS: u16 = 90;

/// One day's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiDay {
    #[serde(with = "crate::iso_date")]
    pub date: Date,
    /// In the order of [`Kpi::ALL`].
    pub counts: [u64; Kpi::ALL.len()],
}

impl KpiDay {
    pub fn empty(date: Date) -> Self {
        Self {
            date,
            counts: [0; Kpi::ALL.len()],
        }
    }

    pub fn get(&self, kpi: Kpi) -> u64 {
        self.counts[kpi as usize]
    }

    pub fn add(&mut self, kpi: Kpi, n: u64) {
        self.counts[kpi as usize] = self.counts[kpi as usize].saturating_add(n);
    }
}

/// The `days` days up to and including `last`, oldest first, with what `known` says of each
/// (several entries for one day are added up; days outside the window are ignored).
pub fn kpi_window(last: Date, days: u16, known: &[KpiDay]) -> Vec<KpiDay> {
    let first = last - Duration::days(i64::from(days.max(1)) - 1);
    let mut window: Vec<KpiDay> = (0..days.max(1))
        .map(|i| KpiDay::empty(first + Duration::days(i64::from(i))))
        .collect();
    for day in known {
        let Ok(offset) = usize::try_from((day.date - first).whole_days()) else {
            continue;
        };
        if let Some(slot) = window.get_mut(offset) {
            for kpi in Kpi::ALL {
                slot.add(kpi, day.get(kpi));
            }
        }
    }
    window
}

/// A bar chart's bars: for each value, its height in `height` units (a value above zero is
/// never drawn as nothing), scaled to the largest.
pub fn bar_heights(values: &[u64], height: u32) -> Vec<u32> {
    let top = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || top == 0 {
                0
            } else {
                let scaled = u128::from(v) * u128::from(height) / u128::from(top);
                u32::try_from(scaled).unwrap_or(height).max(1)
            }
        })
        .collect()
}

choice!(
    /// Where a product of the not-found queue stands.
    QueueState, what: "queue state",
    {
        /// Waiting for an admin.
        Waiting => "waiting",
        /// In the catalogue now.
        Promoted => "promoted",
        /// Not for the catalogue; owners adding it again do not bring it back.
        Dismissed => "dismissed",
    }
);

/// A product owners added by hand (or from a shop's page) whose link the catalogue lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedProduct {
    /// The normalised link ([`crate::normalise_product_url`]): what identifies it.
    pub url: String,
    /// As the latest owner to add it gave it.
    pub product: ProductSnapshot,
    /// How many lists it was added to.
    pub lists: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_added: OffsetDateTime,
    pub state: QueueState,
}

choice!(
    /// What an admin did.
    AuditAction, what: "audit action",
    {
        Promote => "promote",
        Dismiss => "dismiss",
        SaveProduct => "save-product",
        Retire => "retire",
        Restore => "restore",
        Import => "import",
    }
);

/// What loading a catalogue file from the editor came to, as its audit entry keeps it
/// (`after`, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// The file's name, as the browser sent it.
    pub file: String,
    /// Products created and updated, when the file was loaded.
    pub loaded: Option<(usize, usize)>,
    /// Every problem found, when it was refused (then nothing was loaded).
    pub problems: Vec<String>,
}

/// One change an admin made: who, what, to what, when, and the thing before and after (as
/// JSON, absent when there was none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The admin's email.
    pub who: String,
    pub action: AuditAction,
    /// What it was done to: a link, a product id, a file's name.
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_day_is_counted_in_utc() {
        assert_eq!(
            Kpi::day(datetime!(2026-03-01 23:30 -02:00)),
            date!(2026 - 03 - 02)
        );
        assert_eq!(
            Kpi::day(datetime!(2026-03-01 00:00 UTC)),
            date!(2026 - 03 - 01)
        );
    }

    #[test]
    fn the_window_has_every_day_once_oldest_first() {
        let mut a = KpiDay::empty(date!(2026 - 01 - 30));
        a.add(Kpi::GiftAdded, 3);
        let mut b = KpiDay::empty(date!(2026 - 01 - 30));
        b.add(Kpi::GiftAdded, 2);
        b.add(Kpi::MailFailed, 1);
        let before = KpiDay {
            date: date!(2025 - 11 - 01),
            counts: [9; Kpi::ALL.len()],
        };
        let after = KpiDay {
            date: date!(2026 - 02 - 01),
            counts: [9; Kpi::ALL.len()],
        };
        let window = kpi_window(date!(2026 - 01 - 31), 90, &[a, b, before, after]);
        assert_eq!(window.len(), 90);
        assert_eq!(window[0].date, date!(2025 - 11 - 03));
        assert_eq!(window[89].date, date!(2026 - 01 - 31));
        assert_eq!(window[88].get(Kpi::GiftAdded), 5);
        assert_eq!(window[88].get(Kpi::MailFailed), 1);
        let total: u64 = window.iter().flat_map(|d| d.counts).sum();
        assert_eq!(total, 6, "days outside the window are left out");
    }

    #[test]
    fn bars_scale_to_the_largest_and_small_ones_stay_visible() {
        assert_eq!(bar_heights(&[0, 1, 50, 100], 40), vec![0, 1, 20, 40]);
        assert_eq!(bar_heights(&[0, 0], 40), vec![0, 0]);
        assert_eq!(bar_heights(&[], 40), Vec::<u32>::new());
        assert_eq!(bar_heights(&[u64::MAX, 1], 40), vec![40, 1]);
    }

    #[test]
    fn measures_have_stable_words() {
        let words: Vec<&str> = Kpi::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            words,
            [
                "sign-ups",
                "lists",
                "gifts",
                "reservations",
                "purchases",
                "cancellations",
                "mails-sent",
                "mails-failed"
            ]
        );
        for kpi in Kpi::ALL {
            assert_eq!(Kpi::parse(kpi.as_str()), Ok(kpi));
        }
    }
}
