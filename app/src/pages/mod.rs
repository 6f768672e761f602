//! One module per page.

pub mod account;
pub mod admin;
pub mod contact;
pub mod dashboard;
pub mod error;
pub mod home;
pub mod ideas;
pub mod list_editor;
pub mod list_settings;
pub mod new_list;
pub mod not_found;
pub mod privacy;
pub mod public_list;
pub mod reservation;
pub mod sign_in_problem;
pub mod written;
