//! Building blocks shared by pages.

pub mod account;
pub mod add_gift;
pub mod gift_card;
pub mod layout;
pub mod list_fields;
pub mod meta;
pub mod share;
pub mod ui;
