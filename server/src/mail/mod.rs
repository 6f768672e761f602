//! Mail: the app's emails, written in the site's look ([`render`]) and sent through SES
//! ([`SesMailer`], the adapter of the app's `Mailer` port).
//!
//! Rendering is pure and separate from sending: adding a kind of mail means a variant of
//! `app::ports::Mail` and its text in `messages.rs`; the layout, the escaping and the adapter
//! stay as they are.

mod messages;
mod ses;

pub use messages::{kind, render, Message};
pub use ses::{client, SesMailer};
