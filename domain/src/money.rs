//! Prices: an amount in minor units (pence, cents) and an ISO 4217 currency code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a currency code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("The currency must be a 3-letter code, like GBP.")]
pub struct CurrencyError;

/// A currency code: three ASCII upper-case letters, such as `GBP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code, ignoring case and surrounding whitespace: `"gbp"` is `GBP`.
    pub fn parse(s: &str) -> Result<Currency, CurrencyError> {
        let bytes: [u8; 3] = s.trim().as_bytes().try_into().map_err(|_| CurrencyError)?;
        if bytes.iter().all(u8::is_ascii_alphabetic) {
            Ok(Currency(bytes.map(|b| b.to_ascii_uppercase())))
        } else {
            Err(CurrencyError)
        }
    }

    /// The code, e.g. `"GBP"`.
    pub fn as_str(&self) -> &str {
        // Always ASCII letters, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The symbol written before amounts, for the currencies that have a well-known one.
    pub fn symbol(&self) -> Option<&'static str> {
        match &self.0 {
            b"GBP" => Some("£"),
            b"EUR" => Some("€"),
            b"USD" => Some("$"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, CurrencyError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, CurrencyError> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// Why a price was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PriceError {
    #[error("Please enter a price.")]
    Empty,
    #[error("Please enter the price as a number, like 19.99.")]
    NotANumber,
    #[error("The price cannot be negative.")]
    Negative,
    #[error("The price can have at most 2 decimal places.")]
    TooManyDecimals,
    #[error("The price must be at most 10,000,000.00.")]
    TooLarge,
    #[error("{0}")]
    Currency(#[from] CurrencyError),
}

/// A non-negative amount of at most 10,000,000.00 in a currency.
///
/// The fields are private so that every price is within bounds: use [`Price::parse`] or
/// [`Price::new`] and the accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PriceFields", into = "PriceFields")]
pub struct Price {
    minor_units: u64,
    currency: Currency,
}

/// Price's serialised shape, checked on the way in.
#[derive(Serialize, Deserialize)]
struct PriceFields {
    minor_units: u64,
    currency: Currency,
}

impl TryFrom<PriceFields> for Price {
    type Error = PriceError;
    fn try_from(p: PriceFields) -> Result<Self, PriceError> {
        Price::new(p.minor_units, p.currency)
    }
}

impl From<Price> for PriceFields {
    fn from(p: Price) -> Self {
        PriceFields {
            minor_units: p.minor_units,
            currency: p.currency,
        }
    }
}

impl Price {
    /// The largest amount, in minor units (10,000,000.00).
    pub const MAX_MINOR_UNITS: u64 = 1_000_000_000;

    /// A price from minor units (pence, cents): `Price::new(21999, GBP)` is £219.99.
    pub fn new(minor_units: u64, currency: Currency) -> Result<Price, PriceError> {
        if minor_units > Self::MAX_MINOR_UNITS {
            return Err(PriceError::TooLarge);
        }
        Ok(Price {
            minor_units,
            currency,
        })
    }

    /// Parses an amount such as `"219.99"`, `"5"`, `"5.5"` or `"1,299.00"` and a currency code.
    ///
    /// Commas are accepted as thousands separators when they group digits by three.
    pub fn parse(amount: &str, currency: &str) -> Result<Price, PriceError> {
        let minor_units = parse_minor_units(amount)?;
        let currency = Currency::parse(currency)?;
        Self::new(minor_units, currency)
    }

    /// The amount in minor units (pence, cents).
    pub fn minor_units(&self) -> u64 {
        self.minor_units
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount with two decimals and no separators, e.g. `"1299.00"`: what a form shows.
    pub fn amount_string(&self) -> String {
        format!("{}.{:02}", self.minor_units / 100, self.minor_units % 100)
    }

    /// The price for people: `"£1,299.00"`, `"€5.50"`, `"$5.00"` or `"5.00 CHF"`.
    pub fn display(&self) -> String {
        let amount = format!(
            "{}.{:02}",
            group_thousands(self.minor_units / 100),
            self.minor_units % 100
        );
        match self.currency.symbol() {
            Some(symbol) => format!("{symbol}{amount}"),
            None => format!("{amount} {}", self.currency),
        }
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

fn parse_minor_units(amount: &str) -> Result<u64, PriceError> {
    let amount = amount.trim();
    if amount.is_empty() {
        return Err(PriceError::Empty);
    }
    if amount.starts_with('-') {
        return Err(PriceError::Negative);
    }
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    if whole.is_empty() || (amount.contains('.') && fraction.is_empty()) {
        return Err(PriceError::NotANumber);
    }
    let whole = parse_grouped_digits(whole)?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PriceError::NotANumber);
    }
    if fraction.len() > 2 {
        return Err(PriceError::TooManyDecimals);
    }
    let cents = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(2)
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or(PriceError::TooLarge)
}

/// Digits, optionally grouped by three with commas ("1,299"); overflow is `TooLarge`.
fn parse_grouped_digits(whole: &str) -> Result<u64, PriceError> {
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = whole.contains(',');
    if first.is_empty() || (grouped && first.len() > 3) {
        return Err(PriceError::NotANumber);
    }
    let mut digits = String::from(first);
    for group in groups {
        if group.len() != 3 {
            return Err(PriceError::NotANumber);
        }
        digits.push_str(group);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PriceError::NotANumber);
    }
    let value = digits
        .bytes()
        .try_fold(0u64, |acc, b| {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
        .ok_or(PriceError::TooLarge)?;
    Ok(value)
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(amount: &str) -> Result<u64, PriceError> {
        Price::parse(amount, "GBP").map(|p| p.minor_units())
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse(" gbp "), Ok(Currency::GBP));
        assert_eq!(Currency::parse("Chf").unwrap().as_str(), "CHF");
        for bad in ["", "GB", "GBPP", "G3P", "£££", "ÄBC", "G P"] {
            assert_eq!(Currency::parse(bad), Err(CurrencyError), "{bad:?}");
        }
        assert_eq!(
            CurrencyError.to_string(),
            "The currency must be a 3-letter code, like GBP."
        );
    }

    #[test]
    fn amounts() {
        assert_eq!(gbp("219.99"), Ok(21999));
        assert_eq!(gbp("5"), Ok(500));
        assert_eq!(gbp("5.5"), Ok(550));
        assert_eq!(gbp("5.05"), Ok(505));
        assert_eq!(gbp("0"), Ok(0));
        assert_eq!(gbp("0.01"), Ok(1));
        assert_eq!(gbp(" 1,299.00 "), Ok(129_900));
        assert_eq!(gbp("1,234,567.8"), Ok(123_456_780));
        assert_eq!(gbp("007.5"), Ok(750));
        assert_eq!(gbp("10000000"), Ok(1_000_000_000));
        assert_eq!(gbp("10,000,000.00"), Ok(1_000_000_000));
    }

    #[test]
    fn amount_refusals() {
        use PriceError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("-5", Negative),
            ("-0.01", Negative),
            ("abc", NotANumber),
            ("£5", NotANumber),
            ("5.", NotANumber),
            (".5", NotANumber),
            ("5.5.5", NotANumber),
            ("1e3", NotANumber),
            ("+5", NotANumber),
            ("5 000", NotANumber),
            ("1,29.00", NotANumber),
            ("12,99", NotANumber),
            ("1299,000", NotANumber),
            (",299", NotANumber),
            ("1,,299", NotANumber),
            ("5.x", NotANumber),
            ("5.999", TooManyDecimals),
            ("10000000.01", TooLarge),
            ("99999999999999999999999999", TooLarge),
        ];
        for (input, expected) in cases {
            assert_eq!(gbp(input), Err(expected), "{input:?}");
        }
        assert_eq!(
            Price::parse("5", "pounds"),
            Err(PriceError::Currency(CurrencyError))
        );
        assert_eq!(
            Price::new(1_000_000_001, super::Currency::GBP),
            Err(TooLarge)
        );
    }

    #[test]
    fn display() {
        let p = |a, c| Price::parse(a, c).unwrap();
        assert_eq!(p("219.99", "GBP").display(), "£219.99");
        assert_eq!(p("5.5", "eur").display(), "€5.50");
        assert_eq!(p("5", "USD").display(), "$5.00");
        assert_eq!(p("5", "CHF").display(), "5.00 CHF");
        assert_eq!(p("1299", "GBP").to_string(), "£1,299.00");
        assert_eq!(p("10000000", "GBP").display(), "£10,000,000.00");
        assert_eq!(p("0.07", "GBP").display(), "£0.07");
        assert_eq!(p("1299", "GBP").amount_string(), "1299.00");
        assert_eq!(p("219.99", "GBP").amount_string(), "219.99");
    }

    #[test]
    fn serde_checks_bounds() {
        let price = Price::parse("5.50", "GBP").unwrap();
        let json = serde_json::to_string(&price).unwrap();
        assert_eq!(json, r#"{"minor_units":550,"currency":"GBP"}"#);
        assert_eq!(serde_json::from_str::<Price>(&json).unwrap(), price);
        assert!(
            serde_json::from_str::<Price>(r#"{"minor_units":1000000001,"currency":"GBP"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Price>(r#"{"minor_units":1,"currency":"GB"}"#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(amount in any::<String>(), currency in any::<String>()) {
            let _ = Price::parse(&amount, &currency);
        }

        #[test]
        fn never_panics_on_number_like_input(amount in "[0-9,.-]{0,30}") {
            let _ = Price::parse(&amount, "GBP");
        }

        #[test]
        fn round_trips(minor in 0u64..=Price::MAX_MINOR_UNITS, code in "[A-Za-z]{3}") {
            let price = Price::new(minor, Currency::parse(&code).unwrap()).unwrap();
            let amount = price.amount_string();
            prop_assert_eq!(Price::parse(&amount, price.currency().as_str()), Ok(price));
            // The grouped form parses back too, once its symbol or code is removed.
            let grouped = price.display();
            let grouped = grouped.trim_start_matches(['£', '€', '$']);
            let grouped = grouped.split(' ').next().unwrap_or_default();
            prop_assert_eq!(Price::parse(grouped, price.currency().as_str()), Ok(price));
        }
    }
}
