//! The session layer: who is signed in, for every request that might render a page or run a
//! server function; sliding expiry; and the guard that sends signed-out visitors of owner
//! pages to sign in.

use app::request::{AdminSession, CurrentUser};
use app::routes::{requires_sign_in, sign_in_href};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::{Duration, OffsetDateTime};

use super::cookies::Kind;
use crate::auth::secret::Secret;
use crate::store::users::Session;
use crate::AppState;

/// A session ends after this long without use.
pub const IDLE_TIMEOUT: Duration = Duration::days(30);
/// …and in any case this long after sign-in.
pub const MAX_LIFETIME: Duration = Duration::days(180);
/// The tools stay open this long after an admin signed in; then the session goes on as an
/// ordinary one until the next sign-in, which reads the group again. So someone taken out of the
/// admin group loses the tools within this time even if they never sign out.
pub const ADMIN_FOR: Duration = Duration::hours(12);

/// Whether `session` opens the team's tools at `now`.
pub fn admin_at(session: &Session, now: OffsetDateTime) -> bool {
    session.admin && now - session.created_at < ADMIN_FOR
}

/// A session in use is extended at most once in this period (one write a day, not one per
/// request).
pub const EXTEND_EVERY: Duration = Duration::days(1);

/// The id of the request's session, for signing out: a live session's, or one that could not be
/// checked because the table did not answer.
#[derive(Debug, Clone)]
pub struct SessionId(pub Secret);

/// When a session used at `now` should expire, if it is time to move its expiry forward.
pub fn extended_expiry(session: &Session, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let wanted = (now + IDLE_TIMEOUT).min(session.created_at + MAX_LIFETIME);
    (wanted - session.expires_at >= EXTEND_EVERY).then_some(wanted)
}

/// Static files never need the session.
fn is_asset(path: &str) -> bool {
    super::is_built_file(path) || super::is_public_file(path) || path == app::routes::HEALTH.path()
}

/// Reads the session cookie, puts [`CurrentUser`] and [`SessionId`] into the request, extends
/// or clears the cookie, and redirects signed-out visitors of owner pages to sign in.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_asset(request.uri().path()) {
        return next.run(request).await;
    }
    let cookies = state.cookies();
    let now = OffsetDateTime::now_utc();
    let mut set_cookie: Option<HeaderValue> = None;
    let mut signed_in = false;
    let mut lookup_failed = false;

    if let Some(raw) = cookies.read(request.headers(), Kind::Session) {
        match Secret::parse(&raw) {
            None => set_cookie = Some(cookies.clear(Kind::Session)),
            Some(id) => match state.auth.session(&id, now).await {
                Ok(Some(session)) => {
                    if let Some(expires_at) = extended_expiry(&session, now) {
                        if state.auth.extend_session(&id, expires_at).await.is_ok() {
                            set_cookie =
                                Some(cookies.set(Kind::Session, &id.expose(), expires_at - now));
                        }
                    }
                    if admin_at(&session, now) {
                        request.extensions_mut().insert(AdminSession);
                    }
                    request.extensions_mut().insert(CurrentUser(session.user));
                    request.extensions_mut().insert(SessionId(id));
                    signed_in = true;
                }
                Ok(None) => set_cookie = Some(cookies.clear(Kind::Session)),
                // Logged by the store; this request goes on as signed out, except that signing
                // out still tries to delete the session (and says so if it cannot).
                Err(_) => {
                    lookup_failed = true;
                    request.extensions_mut().insert(SessionId(id));
                }
            },
        }
    }

    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut response =
        if reads && !signed_in && !lookup_failed && requires_sign_in(request.uri().path()) {
            let here = request
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_owned();
            redirect_see_other(&sign_in_href(&here))
        } else {
            next.run(request).await
        };

    let headers = response.headers_mut();
    if let Some(cookie) = set_cookie {
        headers.append(header::SET_COOKIE, cookie);
    }
    // What a signed-in person sees is theirs alone: no shared cache may keep it.
    if signed_in && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// A `303 See Other` to `location`, never cached.
pub fn redirect_see_other(location: &str) -> Response {
    let location =
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Email, PersonName, User, UserId};

    #[test]
    fn the_tools_close_twelve_hours_after_an_admin_signed_in() {
        let signed_in = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut admin = session(signed_in, signed_in + IDLE_TIMEOUT);
        admin.admin = true;
        assert!(admin_at(&admin, signed_in));
        assert!(admin_at(&admin, signed_in + Duration::hours(11)));
        assert!(!admin_at(&admin, signed_in + Duration::hours(12)));
        let owner = session(signed_in, signed_in + IDLE_TIMEOUT);
        assert!(!admin_at(&owner, signed_in));
    }

    fn session(created_at: OffsetDateTime, expires_at: OffsetDateTime) -> Session {
        Session {
            user: User {
                id: UserId::generate(),
                display_name: PersonName::parse("Ann").unwrap(),
                email: Email::parse("ann@example.com").unwrap(),
            },
            admin: false,
            created_at,
            expires_at,
        }
    }

    #[test]
    fn a_session_is_extended_once_a_day_while_in_use() {
        let start = OffsetDateTime::now_utc();
        let fresh = session(start, start + IDLE_TIMEOUT);
        assert_eq!(extended_expiry(&fresh, start + Duration::hours(23)), None);
        assert_eq!(
            extended_expiry(&fresh, start + Duration::days(2)),
            Some(start + Duration::days(2) + IDLE_TIMEOUT)
        );
    }

    #[test]
    fn no_session_outlives_its_maximum_lifetime() {
        let start = OffsetDateTime::now_utc();
        let now = start + MAX_LIFETIME - Duration::days(10);
        let old = session(start, now + Duration::days(5));
        assert_eq!(extended_expiry(&old, now), Some(start + MAX_LIFETIME));
        let capped = session(start, start + MAX_LIFETIME);
        assert_eq!(extended_expiry(&capped, now + Duration::days(5)), None);
    }

    #[test]
    fn static_files_skip_the_session() {
        assert!(is_asset("/pkg/ewelists.wasm"));
        assert!(is_asset("/favicon.svg"));
        assert!(!is_asset("/"));
        assert!(!is_asset("/api/account"));
        assert!(!is_asset("/account"));
    }
}
