//! A message to the team from the contact page: who wrote (a name and an address to answer)
//! and what, each parsed. It is kept for [`KEPT_FOR`] so the team can answer and look back,
//! then deleted by the table's time to live.

use time::{Duration, OffsetDateTime};

use crate::email::Email;
use crate::text::{ContactText, PersonName};

/// How long a message is kept.
pub const KEPT_FOR: Duration = Duration::days(365);

/// A message as written on the contact page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactMessage {
    pub name: PersonName,
    /// Where the answer goes, and where the copy is sent.
    pub email: Email,
    pub text: ContactText,
    pub sent_at: OffsetDateTime,
}

impl ContactMessage {
    /// When it is deleted.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.sent_at + KEPT_FOR
    }
}

/// The id a message is kept under: the request's own when it has one (so the same post again
/// finds it taken), otherwise a fresh random one (as unguessable either way).
#[cfg(not(target_arch = "wasm32"))]
pub fn message_id(once: Option<&crate::once::OnceRequest>) -> String {
    use crate::once::OnceKey;
    match once {
        Some(request) => request.id().to_owned(),
        None => OnceKey::generate().request("contact", &[]).id().to_owned(),
    }
}

/// What the contact form's hidden field says about who sent it: people never see the field, so
/// anything typed into it was typed by a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Person,
    Script,
}

impl Sender {
    /// From the hidden field's value (missing or blank for a person).
    pub fn from_trap(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(text) if !text.is_empty() => Self::Script,
            _ => Self::Person,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_filled_hidden_field_is_a_script() {
        assert_eq!(Sender::from_trap(None), Sender::Person);
        assert_eq!(Sender::from_trap(Some("  ")), Sender::Person);
        assert_eq!(
            Sender::from_trap(Some("http://spam.example")),
            Sender::Script
        );
    }

    #[test]
    fn a_message_s_id_is_its_request_s_or_a_fresh_one() {
        use crate::once::OnceKey;
        let request = OnceKey::generate().request("contact", &["a"]);
        assert_eq!(message_id(Some(&request)), request.id());
        assert_ne!(message_id(None), message_id(None));
        assert_eq!(message_id(None).len(), request.id().len());
    }

    #[test]
    fn a_message_is_kept_a_year() {
        let message = ContactMessage {
            name: PersonName::parse("Ann").unwrap(),
            email: Email::parse("ann@example.com").unwrap(),
            text: ContactText::parse("Hello\nthere").unwrap(),
            sent_at: time::macros::datetime!(2026-12-03 10:00 UTC),
        };
        assert_eq!(
            message.expires_at(),
            time::macros::datetime!(2027-12-03 10:00 UTC)
        );
        assert!(ContactText::parse(&"x".repeat(ContactText::MAX_CHARS + 1)).is_err());
        assert!(ContactText::parse("   ").is_err());
    }
}
