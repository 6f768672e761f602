//! Checks the ID token that Cognito returns after sign-in.
//!
//! The token is a JWT signed with RS256 by one of the user pool's keys, which Cognito publishes
//! as a JWKS. [`IdTokenVerifier`] fetches that key set on first use and keeps it; the checks
//! themselves live in `verify_with_keys`, which does no I/O, so they are tested without HTTP.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, RwLock};
use url::Url;

/// How far past `exp` a token is still accepted, for clocks that disagree a little.
const LEEWAY_SECS: u64 = 60;
/// How long a key set fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The shortest time between two fetches made because a key was missing or the set was old.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long a fetched key set is trusted before it is fetched again.
const MAX_KEYS_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The facts the app uses from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub issuer: String,
    /// `sub`: the person's id in the user pool, which never changes.
    pub subject: String,
    /// As the token says it; the caller parses it with `domain::Email`.
    pub email: Option<String>,
    /// False when the token does not say.
    pub email_verified: bool,
    pub name: Option<String>,
    /// `cognito:groups`: the user-pool groups the person is in (none when the token says
    /// nothing).
    pub groups: Vec<String>,
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token")]
    Malformed,
    #[error("unsupported signing algorithm")]
    UnsupportedAlgorithm,
    #[error("no key id in the token header")]
    MissingKeyId,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
    #[error("token expired")]
    Expired,
    #[error("wrong issuer")]
    WrongIssuer,
    #[error("wrong audience")]
    WrongAudience,
    #[error("not an id token")]
    WrongTokenUse,
    #[error("no nonce in the token")]
    MissingNonce,
    #[error("wrong nonce")]
    WrongNonce,
    /// The key set could not be fetched or read.
    #[error("signing keys unavailable")]
    KeysUnavailable,
}

/// What a token must say to be accepted.
#[derive(Debug, Clone, Copy)]
struct Expected<'a> {
    /// `iss`: `https://cognito-idp.{region}.amazonaws.com/{pool id}`.
    issuer: &'a str,
    /// `aud`: the app client's id.
    client_id: &'a str,
    /// `nonce`: the value sent with the sign-in request.
    nonce: &'a str,
}

/// Checks `token` against `keys`: the signature (RS256, with the key named by `kid`), `iss`,
/// `aud`, `exp` (at `now`, seconds since the Unix epoch, with a minute's leeway),
/// `token_use == "id"` and the nonce.
fn verify_with_keys(
    keys: &JwkSet,
    token: &str,
    expected: &Expected<'_>,
    now: u64,
) -> Result<IdClaims, VerifyError> {
    let kid = key_id(token)?;
    let key = signing_key(keys, &kid).ok_or(VerifyError::UnknownKey)?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // `exp` is checked below against `now`, so that the check does not read the clock.
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<TokenClaims>(token, &key, &validation)
        .map_err(|error| from_jwt_error(error.kind()))?
        .claims;

    if claims.exp.saturating_add(LEEWAY_SECS) < now {
        return Err(VerifyError::Expired);
    }
    if claims.sub.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if claims.token_use.as_deref() != Some("id") {
        return Err(VerifyError::WrongTokenUse);
    }
    match claims.nonce.as_deref() {
        None | Some("") => return Err(VerifyError::MissingNonce),
        Some(nonce) if !same_secret(nonce, expected.nonce) => return Err(VerifyError::WrongNonce),
        Some(_) => {}
    }
    Ok(IdClaims {
        issuer: claims.iss,
        subject: claims.sub,
        email: claims.email,
        email_verified: claims.email_verified,
        name: claims.name,
        groups: claims.groups,
    })
}

/// Where the keys come from and what the token must say.
///
/// The key set is fetched on first use and kept (until a fetch succeeds, every call tries).
/// A token signed with a key the set lacks makes one verify call fetch the set again, and so
/// does a set older than a day; such fetches happen at most once a minute, so tokens with
/// made-up key ids cannot flood the key endpoint. If such a fetch fails, the old set is kept.
pub struct IdTokenVerifier {
    http: reqwest::Client,
    jwks_url: Url,
    issuer: String,
    client_id: String,
    refetch_interval: Duration,
    max_keys_age: Duration,
    cache: RwLock<KeyCache>,
    /// Held while fetching, so that concurrent calls share one fetch.
    fetching: Mutex<()>,
}

#[derive(Clone, Default)]
struct KeyCache {
    keys: Option<Arc<JwkSet>>,
    /// When `keys` were fetched.
    fetched_at: Option<Instant>,
    /// The last fetch made for a missing key or an old set, whether or not it succeeded.
    refetched_at: Option<Instant>,
}

impl IdTokenVerifier {
    /// `jwks_url` serves the user pool's keys (on AWS, `{issuer}/.well-known/jwks.json`).
    pub fn new(http: reqwest::Client, jwks_url: Url, issuer: String, client_id: String) -> Self {
        Self::with_timing(
            http,
            jwks_url,
            issuer,
            client_id,
            REFETCH_INTERVAL,
            MAX_KEYS_AGE,
        )
    }

    fn with_timing(
        http: reqwest::Client,
        jwks_url: Url,
        issuer: String,
        client_id: String,
        refetch_interval: Duration,
        max_keys_age: Duration,
    ) -> Self {
        Self {
            http,
            jwks_url,
            issuer,
            client_id,
            refetch_interval,
            max_keys_age,
            cache: RwLock::new(KeyCache::default()),
            fetching: Mutex::new(()),
        }
    }

    /// Verifies the signature (RS256 only; the key chosen by `kid`), `iss`, `aud`, `exp` (with a
    /// minute's leeway), `token_use == "id"`, and that `nonce` is present and equals
    /// `expected_nonce`.
    pub async fn verify(
        &self,
        id_token: &str,
        expected_nonce: &str,
    ) -> Result<IdClaims, VerifyError> {
        // Tokens that cannot name a key are refused before any fetch.
        let kid = key_id(id_token)?;
        let keys = self.keys_for(&kid).await?;
        let expected = Expected {
            issuer: &self.issuer,
            client_id: &self.client_id,
            nonce: expected_nonce,
        };
        verify_with_keys(&keys, id_token, &expected, unix_now())
    }

    /// The key set to check a token signed with `kid`, fetched when needed. The set may still
    /// lack `kid`, which `verify_with_keys` then reports.
    async fn keys_for(&self, kid: &str) -> Result<Arc<JwkSet>, VerifyError> {
        if let Some(keys) = self.cached_keys_with(kid).await {
            return Ok(keys);
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        let cache = self.cache.read().await.clone();
        let now = Instant::now();

        let Some(keys) = cache.keys else {
            // Nothing can be checked without keys, so the first fetch is not rate-limited.
            let keys = Arc::new(self.fetch().await?);
            let mut cache = self.cache.write().await;
            cache.keys = Some(keys.clone());
            cache.fetched_at = Some(Instant::now());
            return Ok(keys);
        };
        let has_key = signing_key(&keys, kid).is_some();
        let is_old = cache
            .fetched_at
            .is_none_or(|at| now.duration_since(at) >= self.max_keys_age);
        if has_key && !is_old {
            // Another call fetched the key while this one waited.
            return Ok(keys);
        }
        let may_refetch = cache
            .refetched_at
            .is_none_or(|at| now.duration_since(at) >= self.refetch_interval);
        if !may_refetch {
            return Ok(keys);
        }

        self.cache.write().await.refetched_at = Some(now);
        match self.fetch().await {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                let mut cache = self.cache.write().await;
                cache.keys = Some(fresh.clone());
                cache.fetched_at = Some(Instant::now());
                Ok(fresh)
            }
            // The old set still holds the key: keep using it until a fetch works.
            Err(_) if has_key => Ok(keys),
            Err(error) => Err(error),
        }
    }

    /// The cached set, when it is recent and holds `kid`.
    async fn cached_keys_with(&self, kid: &str) -> Option<Arc<JwkSet>> {
        let cache = self.cache.read().await;
        let keys = cache.keys.as_ref()?;
        let is_recent = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.max_keys_age);
        (is_recent && signing_key(keys, kid).is_some()).then(|| keys.clone())
    }

    async fn fetch(&self) -> Result<JwkSet, VerifyError> {
        let response = self
            .http
            .get(self.jwks_url.clone())
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|error| self.unavailable(error))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.unavailable(format_args!("the server answered {status}")));
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| self.unavailable(error))?;
        serde_json::from_slice(&body).map_err(|error| self.unavailable(error))
    }

    fn unavailable(&self, cause: impl fmt::Display) -> VerifyError {
        tracing::warn!(url = %self.jwks_url, %cause, "cannot load the ID-token signing keys");
        VerifyError::KeysUnavailable
    }
}

/// The header fields read before any key is chosen.
#[derive(Deserialize)]
struct TokenHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The `kid` of an RS256 token.
fn key_id(token: &str) -> Result<String, VerifyError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed);
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| VerifyError::Malformed)?;
    let header: TokenHeader =
        serde_json::from_slice(&header).map_err(|_| VerifyError::Malformed)?;
    // Only RS256: never `none`, and never HS256, whose "secret" would be the public key.
    if header.alg != "RS256" {
        return Err(VerifyError::UnsupportedAlgorithm);
    }
    match header.kid {
        Some(kid) if !kid.is_empty() => Ok(kid),
        _ => Err(VerifyError::MissingKeyId),
    }
}

/// The RSA signing key named `kid`, unless the set lacks it or marks it for another use.
fn signing_key(keys: &JwkSet, kid: &str) -> Option<DecodingKey> {
    let jwk = keys.find(kid)?;
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return None;
    };
    if jwk
        .common
        .key_algorithm
        .is_some_and(|alg| alg != KeyAlgorithm::RS256)
    {
        return None;
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|usage| *usage != PublicKeyUse::Signature)
    {
        return None;
    }
    DecodingKey::from_rsa_components(&rsa.n, &rsa.e).ok()
}

fn from_jwt_error(kind: &ErrorKind) -> VerifyError {
    match kind {
        ErrorKind::InvalidSignature => VerifyError::BadSignature,
        ErrorKind::ExpiredSignature => VerifyError::Expired,
        ErrorKind::InvalidIssuer => VerifyError::WrongIssuer,
        ErrorKind::InvalidAudience => VerifyError::WrongAudience,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => VerifyError::UnsupportedAlgorithm,
        _ => VerifyError::Malformed,
    }
}

/// The claims read from a Cognito ID token; `aud` is checked by `jsonwebtoken`.
#[derive(Deserialize)]
struct TokenClaims {
    iss: String,
    sub: String,
    exp: u64,
    token_use: Option<String>,
    nonce: Option<String>,
    email: Option<String>,
    #[serde(default, deserialize_with = "bool_or_text")]
    email_verified: bool,
    name: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
}

/// Cognito sends `email_verified` as a JSON boolean; some identity providers send the text
/// `"true"` or `"false"`.
fn bool_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrText {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<BoolOrText>::deserialize(deserializer)? {
        Some(BoolOrText::Bool(value)) => value,
        Some(BoolOrText::Text(text)) => text.eq_ignore_ascii_case("true"),
        None => false,
    })
}

/// Compares two secrets in time that does not depend on where they differ: it compares their
/// SHA-256 digests with every byte looked at.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex as StdMutex, OnceLock};

    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Router;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{json, Value};

    use super::*;

    const ISSUER: &str = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Test";
    const CLIENT_ID: &str = "4tqsvm0example";
    const NONCE: &str = "0S6_WzA2Mj-nonce";
    const NOW: u64 = 1_800_000_000;

    /// Two RSA keys, made once per test run: the pool's key and a stranger's.
    fn keys() -> &'static [EncodingKey; 2] {
        static KEYS: OnceLock<[EncodingKey; 2]> = OnceLock::new();
        KEYS.get_or_init(|| [new_rsa_key(), new_rsa_key()])
    }

    fn new_rsa_key() -> EncodingKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = pair.as_der().unwrap();
        EncodingKey::from_rsa_der(&rsa_private_key(pkcs8.as_ref()))
    }

    /// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`, which is what
    /// `EncodingKey::from_rsa_der` reads:
    /// `SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey }`.
    fn rsa_private_key(pkcs8: &[u8]) -> Vec<u8> {
        let (info, _) = der_element(pkcs8, 0x30);
        let (_version, rest) = der_element(info, 0x02);
        let (_algorithm, rest) = der_element(rest, 0x30);
        let (key, _) = der_element(rest, 0x04);
        key.to_vec()
    }

    /// Splits one DER element with the tag `tag` off `input`: (its content, what follows).
    fn der_element(input: &[u8], tag: u8) -> (&[u8], &[u8]) {
        assert_eq!(input[0], tag);
        let (len, header) = match input[1] {
            short if short < 0x80 => (usize::from(short), 2),
            long => {
                let count = usize::from(long & 0x7f);
                let len = input[2..2 + count]
                    .iter()
                    .fold(0, |len, byte| (len << 8) | usize::from(*byte));
                (len, 2 + count)
            }
        };
        input[header..].split_at(len)
    }

    fn jwk(key: &EncodingKey, kid: &str) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(key, Algorithm::RS256).unwrap();
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk
    }

    /// The pool's key set: the first key, as "k1".
    fn pool_keys() -> JwkSet {
        JwkSet {
            keys: vec![jwk(&keys()[0], "k1")],
        }
    }

    /// What Cognito puts in an ID token issued at `now`.
    fn claims_at(now: u64) -> Value {
        json!({
            "sub": "5f1c3a52-0f2b-4d9e-9a51-2b7d4c1e8f00",
            "aud": CLIENT_ID,
            "iss": ISSUER,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
            "nonce": NONCE,
            "email": "ana@example.com",
            "email_verified": true,
            "name": "Ana Lopes",
            "cognito:username": "ana",
        })
    }

    /// The usual claims with some changed; `null` removes a claim.
    fn claims_with(changes: Value) -> Value {
        let mut claims = claims_at(NOW);
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    }

    fn sign(claims: &Value, kid: Option<&str>, key: &EncodingKey) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    fn token(claims: &Value) -> String {
        sign(claims, Some("k1"), &keys()[0])
    }

    fn check(token: &str) -> Result<IdClaims, VerifyError> {
        let expected = Expected {
            issuer: ISSUER,
            client_id: CLIENT_ID,
            nonce: NONCE,
        };
        verify_with_keys(&pool_keys(), token, &expected, NOW)
    }

    fn b64(json: &Value) -> String {
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    #[test]
    fn accepts_a_good_token() {
        assert_eq!(
            check(&token(&claims_at(NOW))),
            Ok(IdClaims {
                issuer: ISSUER.to_owned(),
                subject: "5f1c3a52-0f2b-4d9e-9a51-2b7d4c1e8f00".to_owned(),
                email: Some("ana@example.com".to_owned()),
                email_verified: true,
                name: Some("Ana Lopes".to_owned()),
                groups: Vec::new(),
            })
        );
    }

    #[test]
    fn reads_email_verified_as_a_boolean_or_as_text() {
        let verified =
            |value: Value| check(&token(&claims_with(json!({ "email_verified": value }))));
        assert!(verified(json!(true)).unwrap().email_verified);
        assert!(verified(json!("true")).unwrap().email_verified);
        assert!(!verified(json!(false)).unwrap().email_verified);
        assert!(!verified(json!("false")).unwrap().email_verified);
        assert_eq!(verified(json!(1)), Err(VerifyError::Malformed));

        let bare = check(&token(&claims_with(
            json!({ "email_verified": null, "email": null, "name": null }),
        )))
        .unwrap();
        assert!(!bare.email_verified);
        assert_eq!(bare.email, None);
        assert_eq!(bare.name, None);
    }

    #[test]
    fn reads_the_groups_claim() {
        let groups = |value: Value| {
            check(&token(&claims_with(json!({ "cognito:groups": value })))).map(|c| c.groups)
        };
        assert_eq!(
            groups(json!(["admin", "beta"])),
            Ok(vec!["admin".to_owned(), "beta".to_owned()])
        );
        assert_eq!(groups(json!([])), Ok(Vec::new()));
        // A token that names groups in another shape is not one this site made sense of.
        assert_eq!(groups(json!("admin")), Err(VerifyError::Malformed));
        assert_eq!(
            check(&token(&claims_at(NOW))).map(|c| c.groups),
            Ok(Vec::new())
        );
    }

    #[test]
    fn refuses_an_expired_token() {
        let expired_at = |exp: u64| check(&token(&claims_with(json!({ "exp": exp }))));
        assert_eq!(expired_at(NOW - 61), Err(VerifyError::Expired));
        assert_eq!(expired_at(NOW - 3600), Err(VerifyError::Expired));
        // A minute of clock skew is forgiven.
        assert!(expired_at(NOW - 60).is_ok());
        assert!(expired_at(NOW).is_ok());
    }

    #[test]
    fn refuses_the_wrong_audience() {
        let other = token(&claims_with(json!({ "aud": "another-client" })));
        assert_eq!(check(&other), Err(VerifyError::WrongAudience));
        let several = token(&claims_with(json!({ "aud": ["another-client"] })));
        assert_eq!(check(&several), Err(VerifyError::WrongAudience));
    }

    #[test]
    fn refuses_the_wrong_issuer() {
        let other_pool = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other";
        let token = token(&claims_with(json!({ "iss": other_pool })));
        assert_eq!(check(&token), Err(VerifyError::WrongIssuer));
    }

    #[test]
    fn requires_sub_iss_aud_and_exp() {
        for claim in ["sub", "iss", "aud", "exp"] {
            let token = token(&claims_with(json!({ claim: null })));
            assert_eq!(
                check(&token),
                Err(VerifyError::Malformed),
                "without {claim}"
            );
        }
        let token = token(&claims_with(json!({ "sub": "" })));
        assert_eq!(check(&token), Err(VerifyError::Malformed));
    }

    #[test]
    fn refuses_a_signature_by_another_key() {
        let forged = sign(&claims_at(NOW), Some("k1"), &keys()[1]);
        assert_eq!(check(&forged), Err(VerifyError::BadSignature));
    }

    #[test]
    fn refuses_changed_claims() {
        let good = token(&claims_at(NOW));
        let parts: Vec<&str> = good.split('.').collect();
        let changed = b64(&claims_with(json!({ "email": "mallory@example.com" })));
        let tampered = format!("{}.{changed}.{}", parts[0], parts[2]);
        assert_eq!(check(&tampered), Err(VerifyError::BadSignature));
    }

    #[test]
    fn refuses_an_unknown_key_id() {
        let token = sign(&claims_at(NOW), Some("k9"), &keys()[0]);
        assert_eq!(check(&token), Err(VerifyError::UnknownKey));
    }

    #[test]
    fn refuses_a_token_without_key_id() {
        let token = sign(&claims_at(NOW), None, &keys()[0]);
        assert_eq!(check(&token), Err(VerifyError::MissingKeyId));
    }

    #[test]
    fn refuses_hs256_and_unsigned_tokens() {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".to_owned());
        let secret = EncodingKey::from_secret(b"a secret anyone could guess");
        let hs256 = jsonwebtoken::encode(&header, &claims_at(NOW), &secret).unwrap();
        assert_eq!(check(&hs256), Err(VerifyError::UnsupportedAlgorithm));

        let none = json!({ "alg": "none", "kid": "k1" });
        let unsigned = format!("{}.{}.", b64(&none), b64(&claims_at(NOW)));
        assert_eq!(check(&unsigned), Err(VerifyError::UnsupportedAlgorithm));

        // An RS256 header over an empty signature is not a way around it either.
        let rs256 = json!({ "alg": "RS256", "kid": "k1" });
        let empty = format!("{}.{}.", b64(&rs256), b64(&claims_at(NOW)));
        assert_eq!(check(&empty), Err(VerifyError::BadSignature));
    }

    #[test]
    fn refuses_a_missing_nonce() {
        let absent = token(&claims_with(json!({ "nonce": null })));
        assert_eq!(check(&absent), Err(VerifyError::MissingNonce));
        let empty = token(&claims_with(json!({ "nonce": "" })));
        assert_eq!(check(&empty), Err(VerifyError::MissingNonce));
    }

    #[test]
    fn refuses_the_wrong_nonce() {
        let other = token(&claims_with(json!({ "nonce": "0S6_WzA2Mj-other" })));
        assert_eq!(check(&other), Err(VerifyError::WrongNonce));
        let prefix = token(&claims_with(json!({ "nonce": &NONCE[..NONCE.len() - 1] })));
        assert_eq!(check(&prefix), Err(VerifyError::WrongNonce));
    }

    #[test]
    fn refuses_an_access_token() {
        let access = token(&claims_with(json!({ "token_use": "access" })));
        assert_eq!(check(&access), Err(VerifyError::WrongTokenUse));
        let unmarked = token(&claims_with(json!({ "token_use": null })));
        assert_eq!(check(&unmarked), Err(VerifyError::WrongTokenUse));
    }

    #[test]
    fn refuses_garbage() {
        let good = token(&claims_at(NOW));
        for garbage in [
            "",
            "garbage",
            "a.b.c",
            "a.b",
            "....",
            &format!("{good}.extra"),
            &format!("e30.{}", &good[good.find('.').unwrap() + 1..]),
        ] {
            assert_eq!(check(garbage), Err(VerifyError::Malformed), "{garbage:?}");
        }
    }

    #[test]
    fn compares_secrets_exactly() {
        assert!(same_secret(NONCE, NONCE));
        assert!(!same_secret(NONCE, &NONCE[1..]));
        assert!(!same_secret(NONCE, ""));
        assert!(!same_secret("a", "b"));
    }

    /// A key endpoint that counts its requests and answers what the test sets.
    struct KeyServer {
        url: Url,
        state: Arc<Answer>,
    }

    struct Answer {
        response: StdMutex<(StatusCode, String)>,
        requests: AtomicUsize,
    }

    impl KeyServer {
        async fn start(keys: &JwkSet) -> Self {
            let state = Arc::new(Answer {
                response: StdMutex::new((StatusCode::OK, serde_json::to_string(keys).unwrap())),
                requests: AtomicUsize::new(0),
            });
            let app = Router::new()
                .route("/jwks.json", get(answer))
                .with_state(state.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            let url = Url::parse(&format!("http://{address}/jwks.json")).unwrap();
            Self { url, state }
        }

        fn serve(&self, status: StatusCode, body: String) {
            *self.state.response.lock().unwrap() = (status, body);
        }

        fn serve_keys(&self, keys: &JwkSet) {
            self.serve(StatusCode::OK, serde_json::to_string(keys).unwrap());
        }

        fn requests(&self) -> usize {
            self.state.requests.load(Ordering::SeqCst)
        }

        fn verifier(&self, refetch_interval: Duration, max_keys_age: Duration) -> IdTokenVerifier {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            IdTokenVerifier::with_timing(
                http,
                self.url.clone(),
                ISSUER.to_owned(),
                CLIENT_ID.to_owned(),
                refetch_interval,
                max_keys_age,
            )
        }
    }

    async fn answer(State(state): State<Arc<Answer>>) -> (StatusCode, String) {
        state.requests.fetch_add(1, Ordering::SeqCst);
        state.response.lock().unwrap().clone()
    }

    /// A token valid now, signed by `key` and naming `kid`.
    fn live_token(kid: &str, key: &EncodingKey) -> String {
        sign(&claims_at(unix_now()), Some(kid), key)
    }

    /// Verifies a token valid now, signed by `key` and naming `kid`.
    async fn verify_live(
        verifier: &IdTokenVerifier,
        kid: &str,
        key: &EncodingKey,
    ) -> Result<IdClaims, VerifyError> {
        verifier.verify(&live_token(kid, key), NONCE).await
    }

    #[tokio::test]
    async fn fetches_the_keys_once_and_again_for_a_new_key_id() {
        let server = KeyServer::start(&pool_keys()).await;
        let verifier = IdTokenVerifier::new(
            reqwest::Client::builder().no_proxy().build().unwrap(),
            server.url.clone(),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
        );
        let [first, second] = keys();

        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 1);
        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 1);

        // The pool rotates in a second key.
        let mut rotated = pool_keys();
        rotated.keys.push(jwk(second, "k2"));
        server.serve_keys(&rotated);
        let claims = verify_live(&verifier, "k2", second).await;
        assert_eq!(claims.unwrap().issuer, ISSUER);
        assert_eq!(server.requests(), 2);

        // A made-up key id right after does not fetch again within the minute.
        let made_up = verify_live(&verifier, "k3", first).await;
        assert_eq!(made_up, Err(VerifyError::UnknownKey));
        assert_eq!(server.requests(), 2);
        // Nor do tokens that cannot name a key at all.
        let garbage = verifier.verify("garbage", NONCE).await;
        assert_eq!(garbage, Err(VerifyError::Malformed));
        assert_eq!(server.requests(), 2);
        // The known keys keep working.
        assert!(verify_live(&verifier, "k2", second).await.is_ok());
        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 2);
    }

    #[tokio::test]
    async fn an_unknown_key_id_fetches_once_per_call_once_the_interval_has_passed() {
        let server = KeyServer::start(&pool_keys()).await;
        let verifier = server.verifier(Duration::ZERO, MAX_KEYS_AGE);
        let first = &keys()[0];

        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 1);
        for calls in 1..=3 {
            let made_up = verify_live(&verifier, "k3", first).await;
            assert_eq!(made_up, Err(VerifyError::UnknownKey));
            assert_eq!(server.requests(), 1 + calls);
        }
    }

    #[tokio::test]
    async fn old_keys_are_fetched_again_and_kept_if_the_fetch_fails() {
        let server = KeyServer::start(&pool_keys()).await;
        let verifier = server.verifier(REFETCH_INTERVAL, Duration::ZERO);
        let first = &keys()[0];

        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 1);
        // The set is already old: the next call fetches it again, but the failure does not
        // stop sign-in, since the old set still holds the key.
        server.serve(StatusCode::SERVICE_UNAVAILABLE, String::new());
        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 2);
        // And it does not try again within the minute.
        assert!(verify_live(&verifier, "k1", first).await.is_ok());
        assert_eq!(server.requests(), 2);
    }

    #[tokio::test]
    async fn tokens_that_name_no_key_fetch_nothing() {
        let server = KeyServer::start(&pool_keys()).await;
        let verifier = server.verifier(Duration::ZERO, Duration::ZERO);

        let garbage = verifier.verify("garbage", NONCE).await;
        assert_eq!(garbage, Err(VerifyError::Malformed));
        let no_kid = sign(&claims_at(unix_now()), None, &keys()[0]);
        let no_kid = verifier.verify(&no_kid, NONCE).await;
        assert_eq!(no_kid, Err(VerifyError::MissingKeyId));
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".to_owned());
        let secret = EncodingKey::from_secret(b"a secret anyone could guess");
        let hs256 = jsonwebtoken::encode(&header, &claims_at(unix_now()), &secret).unwrap();
        let hs256 = verifier.verify(&hs256, NONCE).await;
        assert_eq!(hs256, Err(VerifyError::UnsupportedAlgorithm));
        assert_eq!(server.requests(), 0);
    }

    #[tokio::test]
    async fn a_failing_key_endpoint_makes_keys_unavailable() {
        let server = KeyServer::start(&pool_keys()).await;
        let verifier = server.verifier(REFETCH_INTERVAL, MAX_KEYS_AGE);
        let token = live_token("k1", &keys()[0]);

        // Even with a key set in the body, an error status is not trusted.
        server.serve(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::to_string(&pool_keys()).unwrap(),
        );
        assert_eq!(
            verifier.verify(&token, NONCE).await,
            Err(VerifyError::KeysUnavailable)
        );
        assert_eq!(server.requests(), 1);

        server.serve(StatusCode::OK, "<html>not keys</html>".to_owned());
        assert_eq!(
            verifier.verify(&token, NONCE).await,
            Err(VerifyError::KeysUnavailable)
        );
        assert_eq!(server.requests(), 2);

        // Without any keys each call tries again, so sign-in recovers with the endpoint.
        server.serve_keys(&pool_keys());
        assert!(verifier.verify(&token, NONCE).await.is_ok());
        assert_eq!(server.requests(), 3);
    }

    #[tokio::test]
    async fn an_unreachable_key_endpoint_makes_keys_unavailable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let verifier = IdTokenVerifier::new(
            reqwest::Client::builder().no_proxy().build().unwrap(),
            Url::parse(&format!("http://{address}/jwks.json")).unwrap(),
            ISSUER.to_owned(),
            CLIENT_ID.to_owned(),
        );
        let token = live_token("k1", &keys()[0]);
        assert_eq!(
            verifier.verify(&token, NONCE).await,
            Err(VerifyError::KeysUnavailable)
        );
    }
}
