//! Building blocks shared by pages.

pub mod account;
pub mod layout;
