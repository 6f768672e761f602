//! Sign-in, the protocol: the OAuth 2.0 code flow with PKCE against the Cognito hosted UI,
//! ID-token checks, and the secrets behind sessions and sign-ins. Users and sessions are kept
//! by `crate::store::users`.

pub mod cognito;
pub mod id_token;
pub mod secret;
