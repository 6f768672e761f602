//! Sign-in: the OAuth 2.0 code flow with PKCE against the Cognito hosted UI, ID-token checks,
//! the app's own sessions, and users (one account per person).

pub mod cognito;
pub mod id_token;
pub mod secret;
pub mod store;
