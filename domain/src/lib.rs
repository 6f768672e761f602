//! The domain of Ewelists, a gift-list web app: lists, gifts, reservations and their rules.
//!
//! Everything here is plain data and pure functions: no I/O, no clock, no async. The server
//! and the browser (WebAssembly) both use it, so forms and storage agree on what is valid.
//!
//! Values are parsed, not validated: a [`Title`], [`Email`], [`Quantity`]... that exists is
//! valid, its constructor returns a typed error whose `Display` is a sentence for the page,
//! and serde deserialises through the same parser. Entities ([`GiftList`], [`Gift`],
//! [`Reservation`]) change in place through their methods; the rules that touch several of
//! them ([`rules`]) take the current state and `now` and return the new state.
//! Identifiers and tokens are generated from a CSPRNG, on the server only.

#[macro_use]
mod choice;

pub mod catalogue;
pub mod contact;
pub mod delivery;
pub mod email;
pub mod error;
pub mod gift;
pub mod ids;
pub mod list;
pub mod money;
pub mod once;
pub mod product;
pub mod quantity;
pub mod reservation;
pub mod retention;
pub mod rules;
pub mod text;
pub mod tools;
pub mod url;
pub mod user;

// Serde helpers for `time::Date` as "YYYY-MM-DD" (`iso_date` and `iso_date::option`).
time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

pub use catalogue::{CatalogueLine, CatalogueProduct};
pub use choice::UnknownChoice;
pub use contact::ContactMessage;
pub use email::{Email, EmailError};
pub use error::RuleError;
pub use gift::{Gift, GiftSource, OwnerGiftCounts};
pub use ids::{
    CatalogueProductId, GiftId, IdError, IdKind, ListId, ReservationKey, ReservationToken,
    TokenHash, UserId,
};
pub use list::{
    GiftList, ListDetails, ListState, Occasion, OwnerVisibility, SurpriseMode, SurprisePolicy,
};
pub use money::{Currency, CurrencyError, Price, PriceError};
pub use once::{OnceKey, OnceRequest};
pub use product::{normalise_product_url, ProductSnapshot};
pub use quantity::{Quantity, QuantityError};
pub use reservation::{owner_reservations, OwnerReservationView, Reservation, ReservationState};
pub use rules::{GiftEdit, ReserveOutcome, ReserveRequest};
pub use text::{
    ContactText, Message, Notes, PersonName, ProductTitle, ShopName, TextError, TextProblem, Title,
};
pub use tools::{AuditAction, AuditEntry, Kpi, KpiDay, QueueState, QueuedProduct};
pub use url::{HttpUrl, UrlError};
pub use user::User;
