//! The sign-in flow's three addresses.
//!
//! - `GET /auth/sign-in?return_to=/path`: starts a sign-in. It stores the PKCE verifier, the
//!   nonce and the way back under the hash of a fresh `state` (for ten minutes, usable once),
//!   binds that `state` to this browser with a short-lived cookie, and sends the browser to the
//!   hosted UI.
//! - `GET /auth/callback?code&state` (or `?error&error_description&state`): finishes it. The
//!   `state` must equal this browser's cookie and still be pending; the code is exchanged on
//!   the server and the ID token checked. The account is found or created (one per verified
//!   mailbox; a welcome email the first time), a NEW session starts, and the browser goes back.
//! - `POST /auth/sign-out`: ends the session here, then at the hosted UI, which comes back to
//!   the site.
//!
//! Failures go to `/sign-in/problem` with a code the page explains; the details are logged,
//! never shown, and no token is logged or sent to the browser.

use app::routes::{self, ReturnTo};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::Extension;
use domain::{Email, PersonName};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::cookies::Kind;
use super::session::{redirect_see_other, SessionId, IDLE_TIMEOUT};
use crate::auth::id_token::IdClaims;
use crate::auth::secret::Secret;
use crate::store::users::{Identity, PendingLogin, Session};
use crate::AppState;

/// How long a started sign-in may take.
pub const SIGN_IN_TIMEOUT: Duration = Duration::minutes(10);

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    return_to: Option<String>,
}

/// `GET /auth/sign-in`.
pub async fn start(State(state): State<AppState>, Query(query): Query<SignInQuery>) -> Response {
    let return_to = query
        .return_to
        .as_deref()
        .and_then(ReturnTo::parse)
        .unwrap_or_else(ReturnTo::home);
    let authorization = state.cognito.authorize();
    let login = PendingLogin {
        pkce_verifier: authorization.pkce_verifier,
        nonce: authorization.nonce,
        return_to: return_to.as_str().to_owned(),
        expires_at: OffsetDateTime::now_utc() + SIGN_IN_TIMEOUT,
    };
    if state
        .auth
        .put_login(&authorization.state, &login)
        .await
        .is_err()
    {
        return problem("unavailable", None);
    }
    let mut response = redirect_see_other(authorization.url.as_str());
    response.headers_mut().append(
        header::SET_COOKIE,
        state
            .cookies()
            .set(Kind::SignIn, &authorization.state.expose(), SIGN_IN_TIMEOUT),
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    previous: Option<Extension<SessionId>>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let cookies = state.cookies();
    let mut response = finish(&state, &headers, previous.map(|Extension(id)| id), query).await;
    // The binding is spent whatever happened.
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies.clear(Kind::SignIn));
    response
}

async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    previous: Option<SessionId>,
    query: CallbackQuery,
) -> Response {
    let now = OffsetDateTime::now_utc();
    // The pending sign-in this browser started, if the `state` is its own.
    let bound = state
        .cookies()
        .read(headers, Kind::SignIn)
        .and_then(|cookie| Secret::parse(&cookie))
        .filter(|cookie| query.state.as_deref().and_then(Secret::parse).as_ref() == Some(cookie));
    let login = match bound {
        Some(state_secret) => match state.auth.take_login(&state_secret, now).await {
            Ok(login) => login,
            Err(_) => return problem("unavailable", None),
        },
        None => None,
    };

    if let Some(error) = query.error {
        tracing::info!(error = %provider_code(&error), "the hosted UI returned an error");
        return problem(&provider_code(&error), query.error_description.as_deref());
    }
    let (Some(login), Some(code)) = (login, query.code) else {
        tracing::info!("sign-in callback without a matching pending sign-in");
        return problem("expired", None);
    };

    let claims = match state
        .cognito
        .finish(&code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(claims) => claims,
        Err(err) => {
            tracing::warn!(%err, "sign-in could not be completed");
            return problem("failed", None);
        }
    };
    let Some(identity) = identity(claims) else {
        tracing::info!("ID token without a usable email");
        return problem("email", None);
    };

    let signed_in = match state.auth.sign_in(&identity, now).await {
        Ok(signed_in) => signed_in,
        Err(_) => return problem("unavailable", None),
    };
    // A new session id at every sign-in; the one this browser had (if any) ends.
    if let Some(SessionId(old)) = previous {
        let _ = state.auth.delete_session(&old).await;
    }
    let id = Secret::generate();
    let session = Session {
        user: signed_in.user,
        created_at: now,
        expires_at: now + IDLE_TIMEOUT,
    };
    if state.auth.create_session(&id, &session).await.is_err() {
        return problem("unavailable", None);
    }
    tracing::info!(user = %session.user.id, "signed in");
    let back = ReturnTo::parse(&login.return_to).unwrap_or_else(ReturnTo::home);
    let mut response = redirect_see_other(back.as_str());
    response.headers_mut().append(
        header::SET_COOKIE,
        state
            .cookies()
            .set(Kind::Session, &id.expose(), IDLE_TIMEOUT),
    );
    response
}

/// `POST /auth/sign-out` (the origin check in front of the router applies).
pub async fn sign_out(
    State(state): State<AppState>,
    session: Option<Extension<SessionId>>,
) -> Response {
    if let Some(Extension(SessionId(id))) = session {
        // Signing out must not fail because the table is slow: the cookie goes regardless and
        // the item expires by its TTL.
        let _ = state.auth.delete_session(&id).await;
    }
    let mut response = redirect_see_other(state.cognito.logout_url().as_str());
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.cookies().clear(Kind::Session));
    response
}

/// The person behind verified claims, when they carry a usable email. The name falls back to
/// the email's local part.
fn identity(claims: IdClaims) -> Option<Identity> {
    let email = Email::parse(claims.email.as_deref()?).ok()?;
    let name = claims
        .name
        .as_deref()
        .and_then(|name| PersonName::parse(name).ok())
        .or_else(|| {
            let local = email.as_str().split('@').next().unwrap_or_default();
            PersonName::parse(local).ok()
        })?;
    Some(Identity {
        issuer: claims.issuer,
        subject: claims.subject,
        email,
        email_verified: claims.email_verified,
        name,
    })
}

/// A provider error code as the problem page gets it: OAuth codes are lower-case letters and
/// underscores; anything else is passed on as "unknown".
fn provider_code(code: &str) -> String {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if ok {
        code.to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// To the problem page, with the reason's code and the provider's description if any.
fn problem(code: &str, description: Option<&str>) -> Response {
    let mut url = url::Url::parse("http://site.invalid").expect("a constant URL");
    url.set_path(routes::SIGN_IN_PROBLEM.path());
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", code);
        if let Some(description) = description.and_then(app::pages::sign_in_problem::description) {
            query.append_pair("error_description", &description);
        }
    }
    let location = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    redirect_see_other(&location)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(email: Option<&str>, name: Option<&str>) -> IdClaims {
        IdClaims {
            issuer: "https://issuer".into(),
            subject: "sub-1".into(),
            email: email.map(str::to_owned),
            email_verified: true,
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn identity_needs_an_email_and_finds_a_name() {
        let ann = identity(claims(Some("ann.lee@gmail.com"), Some("Ann Lee"))).unwrap();
        assert_eq!(ann.name.as_str(), "Ann Lee");
        assert!(ann.email_verified);
        let unnamed = identity(claims(Some("bob@example.com"), None)).unwrap();
        assert_eq!(unnamed.name.as_str(), "bob");
        let bad_name = identity(claims(Some("cy@example.com"), Some("\u{7}"))).unwrap();
        assert_eq!(bad_name.name.as_str(), "cy");
        assert!(identity(claims(None, Some("Dee"))).is_none());
        assert!(identity(claims(Some("not an email"), Some("Dee"))).is_none());
    }

    #[test]
    fn provider_codes_are_passed_on_only_when_they_look_like_codes() {
        assert_eq!(provider_code("access_denied"), "access_denied");
        assert_eq!(provider_code("<script>"), "unknown");
        assert_eq!(provider_code(""), "unknown");
        assert_eq!(provider_code(&"a".repeat(65)), "unknown");
    }

    #[test]
    fn problems_redirect_to_the_page_with_an_encoded_query() {
        let response = problem("access_denied", Some("User cancelled & left"));
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/sign-in/problem?error=access_denied&error_description=User+cancelled+%26+left"
        );
        let bare = problem("expired", None);
        assert_eq!(
            bare.headers()[header::LOCATION],
            "/sign-in/problem?error=expired"
        );
    }
}
