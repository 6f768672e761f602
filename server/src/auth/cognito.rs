//! The Cognito hosted UI as an OAuth 2.0 / OpenID Connect provider: the authorize address
//! (code flow with PKCE S256, `state` and `nonce`), the code exchange on the server, and the
//! ID-token check. Every endpoint is derived from the configured issuer and hosted-UI domain,
//! so the same code runs against real Cognito and the local stand-in.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use url::Url;

use super::id_token::{IdClaims, IdTokenVerifier, VerifyError};
use super::secret::Secret;
use crate::config::Config;

/// How long the token endpoint may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The token response's `id_token`, which the basic response type drops.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenField {
    id_token: String,
}

impl ExtraTokenFields for IdTokenField {}

type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A started sign-in: where to send the browser, and what to keep until it comes back.
pub struct Authorization {
    /// The hosted UI's authorize address with every parameter.
    pub url: Url,
    /// Goes in the browser's short-lived cookie; its hash keys the pending sign-in.
    pub state: Secret,
    /// The PKCE verifier (kept server-side only).
    pub pkce_verifier: String,
    /// Must come back inside the ID token.
    pub nonce: String,
}

/// Why finishing a sign-in failed (logged; the person sees a general message).
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("the token endpoint refused the code: {0}")]
    Refused(String),
    #[error("the token endpoint could not be reached or answered badly: {0}")]
    Transport(String),
    #[error("the ID token is not acceptable: {0}")]
    IdToken(#[from] VerifyError),
}

/// The provider, configured once at start.
pub struct Cognito {
    oauth: OAuthClient,
    http: reqwest::Client,
    verifier: IdTokenVerifier,
    logout: Url,
}

impl Cognito {
    /// Builds the client from the configuration. `http` must not follow redirects (the token
    /// endpoint must answer directly).
    pub fn new(config: &Config, http: reqwest::Client) -> Result<Self, url::ParseError> {
        let cognito = &config.cognito;
        let domain = cognito.domain.as_str().trim_end_matches('/');
        // The redirect URI registered with the app client.
        let redirect = config.site_url.join(app::routes::SIGN_IN_CALLBACK.path())?;
        let mut oauth = oauth2::Client::new(ClientId::new(cognito.client_id.clone()))
            .set_auth_uri(AuthUrl::new(format!("{domain}/oauth2/authorize"))?)
            .set_token_uri(TokenUrl::new(format!("{domain}/oauth2/token"))?)
            .set_redirect_uri(RedirectUrl::from_url(redirect));
        if let Some(secret) = &cognito.client_secret {
            oauth = oauth.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
        }
        let mut logout = Url::parse(&format!("{domain}/logout"))?;
        logout
            .query_pairs_mut()
            .append_pair("client_id", &cognito.client_id)
            .append_pair("logout_uri", config.site_url.as_str());
        let verifier = IdTokenVerifier::new(
            http.clone(),
            cognito.jwks_url.clone(),
            cognito.issuer.as_str().trim_end_matches('/').to_owned(),
            cognito.client_id.clone(),
        );
        Ok(Self {
            oauth,
            http,
            verifier,
            logout,
        })
    }

    /// A new sign-in: fresh `state`, `nonce` and PKCE verifier, and the address that asks for
    /// the `openid`, `email` and `profile` scopes.
    pub fn authorize(&self) -> Authorization {
        let state = Secret::generate();
        let nonce = Secret::generate().expose();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state_value = state.expose();
        let (url, _) = self
            .oauth
            .authorize_url(move || CsrfToken::new(state_value))
            .add_scope(Scope::new("openid".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_extra_param("nonce", nonce.clone())
            .set_pkce_challenge(challenge)
            .url();
        Authorization {
            url,
            state,
            pkce_verifier: verifier.secret().clone(),
            nonce,
        }
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token it brings. The
    /// tokens never leave this function: only the ID token's facts do.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<IdClaims, ExchangeError> {
        let http = Http(&self.http);
        let response = self
            .oauth
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&http)
            .await
            .map_err(|err| match err {
                RequestTokenError::ServerResponse(response) => {
                    ExchangeError::Refused(response.error().to_string())
                }
                RequestTokenError::Request(err) => ExchangeError::Transport(err.to_string()),
                RequestTokenError::Parse(err, _) => ExchangeError::Transport(err.to_string()),
                RequestTokenError::Other(err) => ExchangeError::Transport(err),
            })?;
        let id_token = &response.extra_fields().id_token;
        Ok(self.verifier.verify(id_token, nonce).await?)
    }

    /// The hosted UI's sign-out address, which ends its own session and comes back to the site.
    pub fn logout_url(&self) -> &Url {
        &self.logout
    }
}

/// The HTTP client for the token endpoint, the JWKS and other calls to the provider: no
/// redirects, short timeouts.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(TOKEN_TIMEOUT)
        .build()
}

/// `oauth2`'s HTTP client on reqwest, with a future that is `Send` (a plain closure's is not
/// general enough for axum handlers).
struct Http<'a>(&'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Http<'_> {
    type Error = reqwest::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, reqwest::Error>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(self.0, request))
    }
}

/// Sends one of `oauth2`'s requests with reqwest.
async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    let mut out = oauth2::HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}
