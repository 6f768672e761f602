//! One module per page.

pub mod account;
pub mod error;
pub mod home;
pub mod not_found;
pub mod sign_in_problem;
