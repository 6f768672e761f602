//! The errors a page can show: every server function answers with [`AppError`], whose
//! message is written for the person using the site and never carries internal details, and
//! whose [`AppError::status`] is the one place that decides the response's HTTP status.

use domain::RuleError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ports::StoreError;

/// Why a server function did not do what was asked, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The action needs a signed-in person and there is none (or the session ended).
    #[error("Please sign in to continue.")]
    SignInRequired,
    /// The request did not come from one of this site's pages (a cross-site request).
    #[error("This request didn't come from an Ewelists page, so we ignored it. Please reload the page and try again.")]
    CrossSite,
    /// A field of the form is not acceptable; `message` says why.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The request could not be read at all (a stale page, or not sent by our forms).
    #[error("We couldn't read that request. Please reload the page and try again.")]
    BadRequest,
    /// No such list, or the list is not the caller's: the two look the same, so that nobody
    /// learns that a list they don't own exists.
    #[error("We can't find that list.")]
    NotFound,
    /// No such page, or a page of the team's tools asked for by someone who is not an admin:
    /// the two look the same.
    #[error("We can't find that page.")]
    NoSuchPage,
    /// No such gift on the list.
    #[error("We can't find that gift on this list.")]
    GiftNotFound,
    /// No reservation has this link (it may have been replaced by a newer one).
    #[error("We can't find that reservation. If you reserved again, please use the newest link we emailed you.")]
    ReservationNotFound,
    /// A domain rule refused the change; its message says why.
    #[error("{0}")]
    Rule(#[from] RuleError),
    /// Other requests kept changing the same list or gift at the same moment.
    #[error("Someone else changed this at the same moment. Please try again.")]
    Conflict,
    /// Other guests kept reserving the same gift at the same moment.
    #[error("Someone else has just reserved this gift. Please try again.")]
    ReservationConflict,
    /// The database could not be reached or refused the request.
    #[error("We can't reach our database just now. Please try again in a moment.")]
    Unavailable,
    /// Stored data could not be read.
    #[error("Something went wrong reading this data. We have logged the problem.")]
    Corrupt,
    /// Too many attempts from here in a short time.
    #[error("That's a lot of attempts in a short time. Please wait a minute and try again.")]
    TooManyRequests,
    /// The page could not reach the server (seen in the browser only).
    #[error("We couldn't reach Ewelists. Please check your connection and try again.")]
    Network,
    /// Anything else; the server logged the details.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AppError {
    /// The HTTP status that a server function answering with this error sets.
    pub fn status(&self) -> u16 {
        match self {
            Self::SignInRequired => 401,
            Self::CrossSite => 403,
            Self::Invalid { .. } => 422,
            Self::BadRequest => 400,
            Self::NotFound | Self::NoSuchPage | Self::GiftNotFound | Self::ReservationNotFound => {
                404
            }
            Self::Rule(_) | Self::Conflict | Self::ReservationConflict => 409,
            Self::Unavailable => 503,
            Self::Corrupt => 500,
            Self::TooManyRequests => 429,
            Self::Network => 503,
            Self::Internal => 500,
        }
    }

    /// An [`AppError::Invalid`] for `field`.
    pub fn invalid(field: &str, message: impl ToString) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.to_string(),
        }
    }
}

impl AppError {
    /// This error as a link may carry it (a plain form post sent back to its page): nothing
    /// typed by anyone. An [`AppError::Invalid`] keeps its field and loses its message, which
    /// [`AppError::read_from_link`] writes again from the site's own sentences.
    pub fn for_link(&self) -> Self {
        match self {
            Self::Invalid { field, .. } => Self::Invalid {
                field: field.clone(),
                message: String::new(),
            },
            other => other.clone(),
        }
    }

    /// An error read from a link, which anyone can write: only the site's own sentences. An
    /// [`AppError::Invalid`] gets its field's hint (a field the site does not have makes it a
    /// [`AppError::BadRequest`]); every other variant's words are fixed.
    pub fn read_from_link(self) -> Self {
        match self {
            Self::Invalid { field, .. } => match field_hint(&field) {
                Some(hint) => Self::Invalid {
                    field,
                    message: hint.to_owned(),
                },
                None => Self::BadRequest,
            },
            other => other,
        }
    }
}

/// What to say about a form field that was refused, when the refusal came back in a link (a
/// form posted without the page's script): the site's own sentence for each field.
pub fn field_hint(field: &str) -> Option<&'static str> {
    Some(match field {
        "title" => {
            "Please enter a title (for a list at most 100 characters, for a gift 200), without control characters."
        }
        "occasion" => "Please choose an occasion.",
        "event_date" => "Please enter a date, like 2027-06-21.",
        "message" => "Please keep the message to at most 1,000 characters, without control characters.",
        "mode" => "Please choose what you want to see.",
        "confirm" => "Please type delete to confirm.",
        "link" => "Please paste a link that starts with https:// or http://.",
        "url" | "image_url" => "Please enter a link that starts with https://, of at most 2,048 characters.",
        "shop" | "retailer" => "Please enter a shop or brand name of at most 100 characters.",
        "price" => "Please enter the price as a number, like 19.99, with a 3-letter currency such as GBP.",
        "wanted" | "quantity" => "Please enter a whole number from 1 to 99.",
        "notes" => "Please keep the notes to at most 500 characters, without control characters.",
        "catalogue_id" => "That catalogue product is unknown. Please look the link up again.",
        "name" => "Please enter your name, of at most 80 characters, without control characters.",
        "email" => "Please enter your email address, like name@example.com.",
        "text" => "Please write your message, of at most 3,000 characters.",
        _ => return None,
    })
}

/// A storage failure in words for the page. A conflict is worded neutrally here; the guests'
/// reservation actions use [`AppError::reserving`] instead.
#[cfg(feature = "ssr")]
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::GiftNotFound => Self::GiftNotFound,
            StoreError::ReservationNotFound => Self::ReservationNotFound,
            StoreError::Rule(rule) => Self::Rule(rule),
            StoreError::Conflict => Self::Conflict,
            StoreError::Unavailable => Self::Unavailable,
            StoreError::Corrupt => Self::Corrupt,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// A storage failure while reserving a gift or changing a reservation, where a conflict
    /// means that other guests' reservations of the same gift raced this one.
    pub fn reserving(err: StoreError) -> Self {
        match err {
            StoreError::Conflict => Self::ReservationConflict,
            other => other.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The browser could not send the request or read the answer.
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Network,
            // The arguments could not be read: a stale page or a hand-made request.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::BadRequest,
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_) => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_the_status_a_client_expects() {
        assert_eq!(AppError::SignInRequired.status(), 401);
        assert_eq!(AppError::CrossSite.status(), 403);
        assert_eq!(AppError::invalid("title", "Too long").status(), 422);
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(AppError::ReservationNotFound.status(), 404);
        assert_eq!(AppError::Conflict.status(), 409);
        assert_eq!(AppError::ReservationConflict.status(), 409);
        assert_eq!(AppError::from(RuleError::ListClosed).status(), 409);
        assert_eq!(AppError::Unavailable.status(), 503);
        assert_eq!(AppError::TooManyRequests.status(), 429);
    }

    #[test]
    fn messages_are_sentences_for_people() {
        assert_eq!(
            AppError::invalid("title", "Too long.").to_string(),
            "Too long."
        );
        assert_eq!(
            AppError::from(RuleError::ListClosed).to_string(),
            RuleError::ListClosed.to_string()
        );
        assert!(AppError::SignInRequired.to_string().contains("sign in"));
    }

    #[test]
    fn only_a_reservation_race_speaks_of_someone_reserving() {
        assert!(!AppError::Conflict.to_string().contains("reserved"));
        assert!(AppError::ReservationConflict
            .to_string()
            .contains("just reserved this gift"));
    }

    #[test]
    fn framework_errors_never_carry_their_details() {
        for err in [
            ServerFnErrorErr::ServerError("db password is hunter2".into()),
            ServerFnErrorErr::Deserialization("at line 1 column 2".into()),
            ServerFnErrorErr::Request("connection refused".into()),
        ] {
            let app = AppError::from_server_fn_error(err);
            let text = app.to_string();
            assert!(
                !text.contains("hunter2") && !text.contains("column") && !text.contains("refused")
            );
        }
    }

    #[test]
    fn round_trips_through_the_wire_format() {
        for err in [
            AppError::SignInRequired,
            AppError::invalid("email", "That email address is missing an @."),
            AppError::Conflict,
            AppError::from(RuleError::NoneLeft),
        ] {
            assert_eq!(AppError::de(err.ser()), err);
        }
    }
}
