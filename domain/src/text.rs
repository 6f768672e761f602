//! Bounded, trimmed text typed by what it holds: a list's title, a guest's name, notes...
//!
//! Every type here is made by the same macro and follows the same rules: surrounding
//! whitespace is trimmed, blank text is refused, the length is counted in characters
//! (not bytes) and control characters are refused, and so are the bidirectional embedding,
//! override and isolate characters (which could make a name or title read differently from what
//! it is, around the site's own words). Multi-line types keep line breaks (normalised to `\n`).

use std::fmt;

use serde::Serialize;

/// Why a piece of text was refused, with the human name of the field it was meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("The {field} {problem}")]
pub struct TextError {
    /// Human name of the field, e.g. "title", used in the message.
    pub field: &'static str,
    /// What is wrong with the text.
    pub problem: TextProblem,
}

/// What is wrong with a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum TextProblem {
    /// Nothing but whitespace was given for a required field.
    Empty,
    /// The text has more than `max` characters.
    TooLong { max: usize },
    /// The text has tabs, control characters, bidirectional overrides or (in a single-line
    /// field) line breaks.
    InvalidCharacters,
}

// Completes "The <field> ..." in `TextError`'s message.
impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextProblem::Empty => f.write_str("must not be empty."),
            TextProblem::TooLong { max } => write!(f, "must be at most {max} characters."),
            TextProblem::InvalidCharacters => {
                f.write_str("must not contain tabs or other control characters.")
            }
        }
    }
}

/// Trims `raw` and checks it against the rules shared by every text type.
fn clean(raw: &str, field: &'static str, max: usize, multiline: bool) -> Result<String, TextError> {
    let error = |problem| TextError { field, problem };
    let text = if multiline {
        raw.replace("\r\n", "\n")
    } else {
        raw.to_owned()
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(error(TextProblem::Empty));
    }
    if text.chars().count() > max {
        return Err(error(TextProblem::TooLong { max }));
    }
    let allowed = |c: char| (!c.is_control() || (multiline && c == '\n')) && !is_bidi_control(c);
    if !text.chars().all(allowed) {
        return Err(error(TextProblem::InvalidCharacters));
    }
    Ok(text.to_owned())
}

/// The bidirectional embeddings and overrides (U+202A to U+202E) and isolates (U+2066 to
/// U+2069): they reorder the text around them. The plain direction marks (U+200E, U+200F) stay
/// allowed: names in right-to-left scripts use them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, field: $field:literal, max: $max:literal, multiline: $multiline:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Most characters allowed.
            pub const MAX_CHARS: usize = $max;
            /// Human name of the field, used in error messages.
            pub const FIELD: &'static str = $field;

            /// Trims and checks `s`; blank text is refused.
            pub fn parse(s: &str) -> Result<Self, TextError> {
                clean(s, $field, $max, $multiline).map(Self)
            }

            /// For optional fields: blank text is `None`, anything else must parse.
            pub fn parse_optional(s: &str) -> Result<Option<Self>, TextError> {
                if s.trim().is_empty() {
                    Ok(None)
                } else {
                    Self::parse(s).map(Some)
                }
            }

            /// The text, trimmed.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = TextError;
            fn from_str(s: &str) -> Result<Self, TextError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;
            fn try_from(s: String) -> Result<Self, TextError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

bounded_text!(
    /// A list's title, e.g. "Mia's baby shower": one line, 1 to 100 characters.
    Title, field: "title", max: 100, multiline: false
);
bounded_text!(
    /// A person's name as they want it shown: one line, 1 to 80 characters.
    PersonName, field: "name", max: 80, multiline: false
);
bounded_text!(
    /// A product's title: one line, 1 to 200 characters.
    ProductTitle, field: "product title", max: 200, multiline: false
);
bounded_text!(
    /// A brand or shop name: one line, 1 to 100 characters.
    ShopName, field: "shop or brand name", max: 100, multiline: false
);
bounded_text!(
    /// The owner's notes on a gift for the givers: 1 to 500 characters, line breaks allowed.
    Notes, field: "notes", max: 500, multiline: true
);
bounded_text!(
    /// A list's welcome message to guests: 1 to 1000 characters, line breaks allowed.
    Message, field: "message", max: 1000, multiline: true
);
bounded_text!(
    /// A message to the team from the contact page: 1 to 3000 characters, line breaks allowed.
    ContactText, field: "message", max: 3000, multiline: true
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_keeps_inner_text() {
        let title = Title::parse("  Mia's baby shower \t").unwrap();
        assert_eq!(title.as_str(), "Mia's baby shower");
        assert_eq!(title.to_string(), "Mia's baby shower");
        assert_eq!(title.as_ref(), "Mia's baby shower");
    }

    #[test]
    fn refuses_blank() {
        for s in ["", "   ", "\n\t "] {
            let err = Title::parse(s).unwrap_err();
            assert_eq!(err.problem, TextProblem::Empty);
            assert_eq!(err.to_string(), "The title must not be empty.");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let ok = "é".repeat(100);
        assert_eq!(Title::parse(&ok).unwrap().as_str(), ok);
        let err = Title::parse(&"é".repeat(101)).unwrap_err();
        assert_eq!(err.problem, TextProblem::TooLong { max: 100 });
        assert_eq!(err.to_string(), "The title must be at most 100 characters.");
    }

    #[test]
    fn limits_per_type() {
        assert!(PersonName::parse(&"a".repeat(80)).is_ok());
        assert!(PersonName::parse(&"a".repeat(81)).is_err());
        assert!(ProductTitle::parse(&"a".repeat(200)).is_ok());
        assert!(ProductTitle::parse(&"a".repeat(201)).is_err());
        assert!(ShopName::parse(&"a".repeat(100)).is_ok());
        assert!(ShopName::parse(&"a".repeat(101)).is_err());
        assert!(Notes::parse(&"a".repeat(500)).is_ok());
        assert!(Notes::parse(&"a".repeat(501)).is_err());
        assert!(Message::parse(&"a".repeat(1000)).is_ok());
        assert!(Message::parse(&"a".repeat(1001)).is_err());
    }

    #[test]
    fn length_is_measured_after_trimming() {
        let padded = format!("  {}  ", "a".repeat(100));
        assert!(Title::parse(&padded).is_ok());
    }

    #[test]
    fn single_line_refuses_line_breaks_and_controls() {
        for s in [
            "a\nb",
            "a\tb",
            "a\u{0}b",
            "a\rb",
            "a\u{7f}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "\u{202A}a",
        ] {
            let err = Title::parse(s).unwrap_err();
            assert_eq!(err.problem, TextProblem::InvalidCharacters, "{s:?}");
        }
        assert_eq!(
            PersonName::parse("a\tb").unwrap_err().to_string(),
            "The name must not contain tabs or other control characters."
        );
    }

    #[test]
    fn right_to_left_names_keep_their_direction_marks() {
        assert!(PersonName::parse("\u{200F}שרה").is_ok());
        assert_eq!(
            Notes::parse("fine\n\u{202E}txt.exe").unwrap_err().problem,
            TextProblem::InvalidCharacters
        );
    }

    #[test]
    fn multi_line_keeps_and_normalises_line_breaks() {
        let notes = Notes::parse("\r\nSize 2\r\nBlue please\n\n").unwrap();
        assert_eq!(notes.as_str(), "Size 2\nBlue please");
        assert!(Message::parse("Hi\n\nWelcome").is_ok());
        assert_eq!(
            Notes::parse("a\tb").unwrap_err().problem,
            TextProblem::InvalidCharacters
        );
        assert_eq!(
            Notes::parse("a\rb").unwrap_err().problem,
            TextProblem::InvalidCharacters
        );
    }

    #[test]
    fn parse_optional_maps_blank_to_none() {
        assert_eq!(Notes::parse_optional("  ").unwrap(), None);
        assert_eq!(
            Notes::parse_optional(" hi ").unwrap(),
            Some(Notes::parse("hi").unwrap())
        );
        assert!(Title::parse_optional(&"a".repeat(101)).is_err());
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let title = Title::parse("Birthday").unwrap();
        let json = serde_json::to_string(&title).unwrap();
        assert_eq!(json, "\"Birthday\"");
        assert_eq!(serde_json::from_str::<Title>(&json).unwrap(), title);
        assert!(serde_json::from_str::<Title>("\"  \"").is_err());
        assert!(serde_json::from_str::<Title>("\"a\\nb\"").is_err());
        let err = serde_json::to_value(Title::parse("").unwrap_err()).unwrap();
        assert_eq!(err["field"], "title");
    }

    #[test]
    fn error_messages_name_the_field() {
        assert_eq!(
            ShopName::parse("").unwrap_err().to_string(),
            "The shop or brand name must not be empty."
        );
        assert_eq!(
            Notes::parse(&"x".repeat(501)).unwrap_err().to_string(),
            "The notes must be at most 500 characters."
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = Title::parse(&s);
            let _ = Message::parse(&s);
            let _ = Notes::parse_optional(&s);
        }

        #[test]
        fn round_trips(s in "[ -~\u{a0}-\u{2ff}\n]{0,120}") {
            if let Ok(t) = Title::parse(&s) {
                prop_assert_eq!(Title::parse(&format!("{t}")), Ok(t.clone()));
                prop_assert!(t.as_str().chars().count() <= 100);
            }
            if let Ok(m) = Message::parse(&s) {
                prop_assert_eq!(Message::parse(m.as_str()), Ok(m.clone()));
            }
        }
    }
}
