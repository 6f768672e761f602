//! Mail: the app's emails, written in the site's look ([`render`]), delivered from the outbox by
//! the [`Courier`], sent through SES ([`SesMailer`], the adapter of the app's `Mailer` port),
//! and the mail service's bounce and complaint reports ([`feedback`]), which suppress a
//! mailbox.
//!
//! Rendering is pure and separate from sending: adding a kind of mail means a variant of
//! `app::ports::Mail` and its text in `messages.rs`; the layout, the escaping and the adapter
//! stay as they are.

mod courier;
pub mod feedback;
mod messages;
mod ses;

pub use courier::{Courier, Pass};
pub use messages::{kind, render, Message};
pub use ses::{client, SesMailer, MAIL_ID_TAG};
