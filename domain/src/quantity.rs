//! How many of a gift: a whole number from 1 to 99.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a quantity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("The quantity must be a whole number from 1 to {max}.", max = Quantity::MAX)]
pub struct QuantityError;

/// A number of items, from 1 to [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u8);

impl Quantity {
    /// The largest quantity.
    pub const MAX: u32 = 99;
    /// One item.
    pub const ONE: Quantity = Quantity(1);

    /// Checks that `n` is from 1 to 99.
    pub fn new(n: u32) -> Result<Quantity, QuantityError> {
        if (1..=Self::MAX).contains(&n) {
            u8::try_from(n).map(Quantity).map_err(|_| QuantityError)
        } else {
            Err(QuantityError)
        }
    }

    /// Parses a trimmed decimal number such as `"3"`; signs, fractions and words are refused.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QuantityError);
        }
        // Leading zeros are harmless; anything too big for u32 is out of range anyway.
        let n = s.parse::<u32>().map_err(|_| QuantityError)?;
        Self::new(n)
    }

    /// The number.
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }

    /// The sum, if it is still a valid quantity.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        Self::new(self.get().saturating_add(other.get())).ok()
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, QuantityError> {
        Self::parse(s)
    }
}

impl TryFrom<u32> for Quantity {
    type Error = QuantityError;
    fn try_from(n: u32) -> Result<Self, QuantityError> {
        Self::new(n)
    }
}

impl From<Quantity> for u32 {
    fn from(q: Quantity) -> u32 {
        q.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn new_accepts_1_to_99() {
        assert_eq!(Quantity::new(1), Ok(Quantity::ONE));
        assert_eq!(Quantity::new(99).map(Quantity::get), Ok(Quantity::MAX));
        assert_eq!(Quantity::new(0), Err(QuantityError));
        assert_eq!(Quantity::new(100), Err(QuantityError));
        assert_eq!(Quantity::new(u32::MAX), Err(QuantityError));
    }

    #[test]
    fn parse_cases() {
        assert_eq!(Quantity::parse(" 7 ").map(Quantity::get), Ok(7));
        assert_eq!(Quantity::parse("007").map(Quantity::get), Ok(7));
        assert_eq!(Quantity::parse("99").map(Quantity::get), Ok(99));
        for bad in [
            "",
            " ",
            "0",
            "100",
            "-1",
            "+1",
            "1.5",
            "1e2",
            "two",
            "1 2",
            "٣",
            "99999999999999999999999999",
        ] {
            assert_eq!(Quantity::parse(bad), Err(QuantityError), "{bad:?}");
        }
    }

    #[test]
    fn message() {
        assert_eq!(
            QuantityError.to_string(),
            "The quantity must be a whole number from 1 to 99."
        );
    }

    #[test]
    fn checked_add_stays_in_range() {
        let q = |n| Quantity::new(n).unwrap();
        assert_eq!(q(40).checked_add(q(59)), Some(q(99)));
        assert_eq!(q(40).checked_add(q(60)), None);
    }

    #[test]
    fn serde_is_a_number_checked_on_the_way_in() {
        assert_eq!(serde_json::to_string(&Quantity::ONE).unwrap(), "1");
        assert_eq!(serde_json::from_str::<Quantity>("5").unwrap().get(), 5);
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("100").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = Quantity::parse(&s);
        }

        #[test]
        fn round_trips(n in 0u32..200) {
            match Quantity::new(n) {
                Ok(q) => prop_assert_eq!(Quantity::parse(&q.to_string()), Ok(q)),
                Err(_) => prop_assert!(n == 0 || n > 99),
            }
        }
    }
}
