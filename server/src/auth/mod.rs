//! Sign-in, the protocol: the OAuth 2.0 code flow with PKCE against the Cognito hosted UI,
//! ID-token checks, the secrets behind sessions and sign-ins, and the user pool's admin API
//! (deleting a sign-in). Users and sessions are kept
//! by `crate::store::users`.

pub mod cognito;
pub mod id_token;
pub mod pool;
pub mod secret;
