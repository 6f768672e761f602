//! How long guests' personal data (the name and email of a reservation) is kept.
//!
//! A reservation's guest data is kept for [`KEPT_AFTER_OCCASION`] after the later of the list's
//! occasion ending and the guest's last change to it; on a list without an event date that is
//! still open, for [`KEPT_WITHOUT_OCCASION`] after the guest's last change. Then the
//! reservation is deleted; the gift keeps its counts (how many were reserved and bought), so
//! the list still reads right, without anyone's name. The sweep applies this every day (see
//! `docs/privacy.md`).

use time::{Duration, OffsetDateTime};

use crate::list::GiftList;
use crate::reservation::Reservation;

/// Guest data is kept this long after the occasion (and the guest's last change).
pub const KEPT_AFTER_OCCASION: Duration = Duration::days(90);

/// Guest data on a list that has no event date and is still open is kept this long after the
/// guest's last change.
pub const KEPT_WITHOUT_OCCASION: Duration = Duration::days(540);

/// When the list's occasion ended, if it has: the end of its event date (UTC), or its closing
/// (the list's last change once closed), whichever came first.
pub fn occasion_ended(list: &GiftList) -> Option<OffsetDateTime> {
    let event = list
        .details
        .event_date
        .and_then(|day| day.next_day())
        .map(|day| day.midnight().assume_utc());
    let closed = (!list.is_open()).then_some(list.updated_at);
    match (event, closed) {
        (Some(event), Some(closed)) => Some(event.min(closed)),
        (event, closed) => event.or(closed),
    }
}

/// When `reservation`'s guest data on `list` is to be deleted.
pub fn guest_data_expires(list: &GiftList, reservation: &Reservation) -> OffsetDateTime {
    let last_change = reservation.updated_at;
    match occasion_ended(list) {
        Some(ended) => ended.max(last_change) + KEPT_AFTER_OCCASION,
        None => last_change + KEPT_WITHOUT_OCCASION,
    }
}

/// Whether no reservation of `list` can have expired guest data at `now` (none can be older
/// than the list), so that a sweep need not read them.
pub fn nothing_expired_yet(list: &GiftList, now: OffsetDateTime) -> bool {
    let earliest = match occasion_ended(list) {
        Some(ended) => ended.max(list.created_at) + KEPT_AFTER_OCCASION,
        None => list.created_at + KEPT_WITHOUT_OCCASION,
    };
    now < earliest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gift::tests::sample_gift;
    use crate::list::tests::sample_list;
    use crate::rules::{reserve, ReserveRequest};
    use crate::{Email, PersonName, Quantity, ReservationToken};
    use time::macros::{date, datetime};

    fn reservation_on(list: &GiftList, at: OffsetDateTime) -> Reservation {
        let gift = sample_gift(list.id, 5);
        let request = ReserveRequest {
            guest_name: PersonName::parse("Ann").unwrap(),
            email: Email::parse("ann@example.com").unwrap(),
            quantity: Quantity::ONE,
            user_id: None,
        };
        let token = ReservationToken::generate(list.id);
        reserve(list, &gift, request, &token, at)
            .unwrap()
            .reservation
    }

    #[test]
    fn kept_ninety_days_after_the_event() {
        let mut list = sample_list();
        list.details.event_date = Some(date!(2026 - 06 - 20));
        let r = reservation_on(&list, datetime!(2026-05-01 10:00 UTC));
        assert_eq!(
            guest_data_expires(&list, &r),
            datetime!(2026-06-21 00:00 UTC) + Duration::days(90)
        );
        // A guest who changed it after the event: ninety days after that change.
        let late = reservation_on(&list, datetime!(2026-07-01 10:00 UTC));
        assert_eq!(
            guest_data_expires(&list, &late),
            datetime!(2026-07-01 10:00 UTC) + Duration::days(90)
        );
    }

    #[test]
    fn closing_ends_the_occasion_when_it_comes_first() {
        let mut list = sample_list();
        list.details.event_date = Some(date!(2027 - 12 - 24));
        list.close(datetime!(2026-03-01 09:00 UTC));
        let r = reservation_on(&sample_list_like(&list), datetime!(2026-02-01 09:00 UTC));
        assert_eq!(occasion_ended(&list), Some(datetime!(2026-03-01 09:00 UTC)));
        assert_eq!(
            guest_data_expires(&list, &r),
            datetime!(2026-03-01 09:00 UTC) + Duration::days(90)
        );
    }

    /// `list` open again, to reserve on (reservations are made while a list is open).
    fn sample_list_like(list: &GiftList) -> GiftList {
        let mut open = list.clone();
        open.state = crate::ListState::Open;
        open
    }

    #[test]
    fn an_open_list_without_a_date_keeps_guest_data_eighteen_months() {
        let mut list = sample_list();
        list.details.event_date = None;
        let r = reservation_on(&list, datetime!(2026-01-10 12:00 UTC));
        assert_eq!(
            guest_data_expires(&list, &r),
            datetime!(2026-01-10 12:00 UTC) + Duration::days(540)
        );
    }

    #[test]
    fn a_sweep_skips_only_lists_where_nothing_can_have_expired() {
        let mut list = sample_list();
        list.created_at = datetime!(2026-01-01 00:00 UTC);
        list.details.event_date = Some(date!(2026 - 02 - 01));
        let r = reservation_on(&list, datetime!(2026-01-15 00:00 UTC));
        let expires = guest_data_expires(&list, &r);
        // Never skipped once a reservation can have expired.
        assert!(!nothing_expired_yet(&list, expires));
        assert!(nothing_expired_yet(&list, datetime!(2026-02-15 00:00 UTC)));
        let mut undated = sample_list();
        undated.details.event_date = None;
        assert!(nothing_expired_yet(
            &undated,
            undated.created_at + Duration::days(539)
        ));
        assert!(!nothing_expired_yet(
            &undated,
            undated.created_at + Duration::days(540)
        ));
    }
}
