//! How values are written on pages.

use time::Date;

/// A date as people read it: `21 June 2026`.
pub fn long_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        assert_eq!(
            long_date(time::macros::date!(2026 - 06 - 21)),
            "21 June 2026"
        );
        assert_eq!(
            long_date(time::macros::date!(2027 - 01 - 05)),
            "5 January 2027"
        );
    }
}
