//! Only the CDN may call the origin.
//!
//! In AWS the server is a Lambda function URL behind CloudFront. The URL is public, so
//! CloudFront adds a secret header (`X-Origin-Verify`) to every request it forwards, and the
//! server refuses any request without it. That is what makes the client-address header that
//! CloudFront writes (`CloudFront-Viewer-Address`, which guests' rate limits are keyed on)
//! trustworthy: a caller who skips the CDN cannot write it. Locally no secret is configured and
//! nothing is checked.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The header CloudFront adds (the template's `OriginCustomHeaders`).
pub const ORIGIN_VERIFY: &str = "x-origin-verify";

/// The accepted values of [`ORIGIN_VERIFY`], kept as digests: comparing digests takes the
/// same time wherever a guess differs from the secret.
#[derive(Clone, Default)]
pub struct EdgeSecrets(Arc<[[u8; 32]]>);

impl EdgeSecrets {
    pub fn new(secrets: &[SecretString]) -> Self {
        Self(
            secrets
                .iter()
                .map(|s| digest(s.expose_secret().as_bytes()))
                .collect(),
        )
    }

    /// Whether a request carrying `value` (or none) may pass.
    pub fn accepts(&self, value: Option<&HeaderValue>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let Some(value) = value else {
            return false;
        };
        let given = digest(value.as_bytes());
        self.0.contains(&given)
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Refuses, with a bare 403, any request that did not come through the CDN.
pub async fn from_edge_only(
    State(secrets): State<EdgeSecrets>,
    request: Request,
    next: Next,
) -> Response {
    if secrets.accepts(request.headers().get(ORIGIN_VERIFY)) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = %crate::http::redact_path(request.uri().path()),
        "request refused: it did not come through the CDN"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CACHE_CONTROL, "no-store")],
        "Forbidden\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_secrets_only_a_matching_header_passes() {
        let secrets = EdgeSecrets::new(&["a".repeat(32).into(), "b".repeat(32).into()]);
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(secrets.accepts(Some(&value(&"a".repeat(32)))));
        assert!(secrets.accepts(Some(&value(&"b".repeat(32)))));
        assert!(!secrets.accepts(Some(&value(&"a".repeat(31)))));
        assert!(!secrets.accepts(Some(&value(""))));
        assert!(!secrets.accepts(None));
    }

    #[test]
    fn without_secrets_everything_passes() {
        assert!(EdgeSecrets::default().accepts(None));
    }
}
