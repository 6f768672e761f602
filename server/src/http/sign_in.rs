//! The sign-in flow's three addresses.
//!
//! - `GET /auth/sign-in?return_to=/path`: starts a sign-in. It stores the PKCE verifier, the
//!   nonce and the way back under the hash of a fresh `state` (for ten minutes, usable once),
//!   binds that `state` to this browser with a short-lived cookie, and sends the browser to the
//!   hosted UI. Starts are rate limited per client address.
//! - `GET /auth/callback?code&state` (or `?error&error_description&state`): finishes it. The
//!   `state` must equal this browser's cookie and still be pending; the code is exchanged on
//!   the server and the ID token checked. The account is found or created (one per verified
//!   mailbox; a welcome email the first time), a NEW session starts, and the browser goes back.
//! - `POST /auth/sign-out`: ends the session here, then at the hosted UI, which comes back to
//!   the site. If the session cannot be deleted here, the person is told so (not sent on as
//!   if all were well).
//!
//! Failures go to `/sign-in/problem` with a code the page explains; the details are logged,
//! never shown, and no token is logged or sent to the browser.

use app::ports::LimitedAction;
use app::request::ClientAddress;
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

/// `GET /auth/sign-in`. Each start stores a pending sign-in, so starts are rate limited per
/// client address (a refused one goes to the problem page and stores nothing).
pub async fn start(
    State(state): State<AppState>,
    address: Option<Extension<ClientAddress>>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let address = address.map_or_else(|| super::client::UNKNOWN.to_owned(), |Extension(a)| a.0);
    if !state.limits.allow(LimitedAction::SignIn, &[&address]).await {
        return problem("busy");
    }
    let return_to = ReturnTo::after_sign_in(query.return_to.as_deref());
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
        return problem("unavailable");
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
            Err(_) => return problem("unavailable"),
        },
        None => None,
    };

    if let Some(error) = query.error {
        // The provider's own description is logged, never shown: anyone can put words in a
        // link to the callback.
        let code = provider_code(&error);
        let description: Option<String> = query
            .error_description
            .as_deref()
            .map(|d| d.chars().filter(|c| !c.is_control()).take(200).collect());
        tracing::info!(%code, ?description, "the hosted UI returned an error");
        return problem(&code);
    }
    let (Some(login), Some(code)) = (login, query.code) else {
        tracing::info!("sign-in callback without a matching pending sign-in");
        return problem("expired");
    };

    let claims = match state
        .cognito
        .finish(&code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(claims) => claims,
        Err(err) => {
            tracing::warn!(%err, "sign-in could not be completed");
            return problem("failed");
        }
    };
    let admin = claims
        .groups
        .iter()
        .any(|group| *group == state.config.cognito.admin_group);
    let Some(identity) = identity(claims) else {
        tracing::info!("ID token without a usable email");
        return problem("email");
    };

    let signed_in = match state.auth.sign_in(&identity, now).await {
        Ok(signed_in) => signed_in,
        Err(_) => return problem("unavailable"),
    };
    // A new session id at every sign-in; the one this browser had (if any) ends.
    if let Some(SessionId(old)) = previous {
        let _ = state.auth.delete_session(&old).await;
    }
    let id = Secret::generate();
    let session = Session {
        user: signed_in.user,
        admin,
        created_at: now,
        expires_at: now + IDLE_TIMEOUT,
    };
    if state.auth.create_session(&id, &session).await.is_err() {
        return problem("unavailable");
    }
    tracing::info!(user = %session.user.id, admin, "signed in");
    let back = ReturnTo::after_sign_in(Some(&login.return_to));
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
    // The session is deleted here, tried three times: a session left in the table would still
    // open the account to whoever holds a copy of the cookie. If it cannot be deleted, the
    // person is told (and it is logged); the cookie goes either way.
    let mut ended = true;
    if let Some(Extension(SessionId(id))) = session {
        ended = false;
        for pause in [0, 100, 400] {
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            if state.auth.delete_session(&id).await.is_ok() {
                ended = true;
                break;
            }
        }
        if !ended {
            tracing::error!("sign-out: the session could not be deleted");
        }
    }
    let mut response = if ended {
        redirect_see_other(state.cognito.logout_url().as_str())
    } else {
        problem("sign_out")
    };
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

/// To the problem page, with the reason's code (never the provider's words: see `finish`).
fn problem(code: &str) -> Response {
    let mut url = url::Url::parse("http://site.invalid").expect("a constant URL");
    url.set_path(routes::SIGN_IN_PROBLEM.path());
    url.query_pairs_mut().append_pair("error", code);
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
            groups: Vec::new(),
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
    fn problems_redirect_to_the_page_with_the_code_only() {
        let response = problem("access_denied");
        assert_eq!(response.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/sign-in/problem?error=access_denied"
        );
        let bare = problem("expired");
        assert_eq!(
            bare.headers()[header::LOCATION],
            "/sign-in/problem?error=expired"
        );
    }
}
