//! The request a server function is answering: who is asking, from where, the adapters it may
//! use, the clock, and how an error becomes the response's status.
//!
//! The server's session layer puts the signed-in [`User`] into the request ([`CurrentUser`]) and
//! its client-address layer the [`ClientAddress`]; server functions read them from here.

use domain::User;
use leptos::prelude::*;

use crate::error::AppError;
use crate::ports::{LimitedAction, Services};

/// The signed-in person, as the request carries them (inserted by the server's session layer).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// Put into the request beside [`CurrentUser`] when the session is an admin's (the person was in
/// the admin group when they signed in).
#[derive(Debug, Clone, Copy)]
pub struct AdminSession;

/// The address of the client making the request, as the server's client-address layer
/// determined it (the peer, or the configured proxy header). Used as a rate-limit key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The key the browser holds for the forms of the page it was shown (inserted by the server's
/// form-key layer from its cookie; see [`domain::once`]).
#[derive(Debug, Clone)]
pub struct FormKey(pub domain::OnceKey);

/// This request as one to be done once: `action` with the `input` that decides what it does.
/// `None` when the browser brought no form key (then the request is simply done).
pub fn once(action: &str, input: &[&str]) -> Option<domain::OnceRequest> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<FormKey>()
        .map(|FormKey(key)| key.request(action, input))
}

/// The signed-in person making this request, if any.
pub fn signed_in_user() -> Option<User> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<CurrentUser>()
        .map(|current| current.0.clone())
}

/// Whether an admin is making this request.
pub fn is_admin() -> bool {
    use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.extensions.get::<AdminSession>().is_some())
}

/// The admin making this request, or [`AppError::NoSuchPage`] for anyone else (signed in or
/// not): the team's tools do not exist for them.
pub fn require_admin() -> Result<User, AppError> {
    match signed_in_user() {
        Some(user) if is_admin() => Ok(user),
        _ => Err(AppError::NoSuchPage),
    }
}

/// The signed-in person making this request, or [`AppError::SignInRequired`].
pub fn require_user() -> Result<User, AppError> {
    signed_in_user().ok_or(AppError::SignInRequired)
}

/// The client's address, or `unknown` when the server did not determine one.
pub fn client_address() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().cloned())
        .map_or_else(|| "unknown".to_owned(), |address| address.0)
}

/// The request's headers (none outside a request).
pub fn headers() -> http::HeaderMap {
    use_context::<http::request::Parts>()
        .map(|parts| parts.headers)
        .unwrap_or_default()
}

/// Put into a request by the server when the client is over `action`'s quota by a count kept
/// outside the rate limiter (the page cache counts the views it serves itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverQuota(pub LimitedAction);

/// Counts one attempt of `action` against each key: [`AppError::TooManyRequests`] when any is
/// over its quota.
pub async fn limit(
    services: &Services,
    action: LimitedAction,
    keys: &[&str],
) -> Result<(), AppError> {
    let refused_already = use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.extensions.get::<OverQuota>() == Some(&OverQuota(action)));
    if refused_already {
        return Err(AppError::TooManyRequests);
    }
    if services.limits.allow(action, keys).await {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// The adapters, as the server provided them for this request.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("server functions ran without their services");
        AppError::Internal
    })
}

/// The clock, read once per action (rules take `now` as an argument).
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Runs a server function's `work` and answers the request with its result: on an error, the
/// response gets the error's status (401, 404, 422, …) instead of the framework's 500 for every
/// error.
///
/// A form posted without the page's script (a plain HTML form post) is sent back instead
/// (303) to the page it came from, with the error in the query (`__path`, `__err`), where
/// [`crate::forms`] shows it in place; after a success that leads nowhere else, with
/// `__done` = the function, so the page can say it is done.
pub async fn answer<T>(
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    answer_for(None, work).await
}

/// [`answer`] for a form about `subject` on a page with one such form per subject (a gift in the
/// owner's list): an error goes back to that form only ([`crate::forms::FOR`]).
pub async fn answer_for<T>(
    subject: Option<&str>,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = work.await;
    if result.is_ok() {
        if let (Some(response), Some((page, function))) = (
            use_context::<leptos_axum::ResponseOptions>(),
            plain_form_origin_page(),
        ) {
            let leads_elsewhere = response
                .0
                .read()
                .map(|parts| parts.headers.contains_key(http::header::LOCATION))
                .unwrap_or(true);
            let location = http::HeaderValue::from_str(&crate::forms::with_done(&page, &function));
            if let (false, Ok(location)) = (leads_elsewhere, location) {
                response.insert_header(http::header::LOCATION, location);
                response.set_status(http::StatusCode::SEE_OTHER);
            }
        }
    }
    if let Err(err) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            let back_to_form = plain_form_origin_page().and_then(|(page, function)| {
                let location = crate::forms::with_error_for(&page, &function, subject, err);
                http::HeaderValue::from_str(&location).ok()
            });
            let status = match back_to_form {
                Some(location) => {
                    response.insert_header(http::header::LOCATION, location);
                    http::StatusCode::SEE_OTHER
                }
                None => http::StatusCode::from_u16(err.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            };
            response.set_status(status);
        }
    }
    result
}

/// For a plain form post to a server function (the browser asked for HTML): the path and
/// query of the page that posted it (from `Referer`; only the path, so the answer never leads off the site), and the
/// server function's own path.
fn plain_form_origin_page() -> Option<(String, String)> {
    let parts = use_context::<http::request::Parts>()?;
    // Only a post to the function itself: a page rendered on the server calls server
    // functions too, within its own request (a navigation, which also accepts HTML).
    let posted_to_function = parts.method == http::Method::POST
        && parts
            .uri
            .path()
            .strip_prefix(crate::routes::SERVER_FUNCTIONS)
            .is_some_and(|rest| rest.starts_with('/'));
    if !posted_to_function {
        return None;
    }
    let accepts_html = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !accepts_html {
        return None;
    }
    let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let uri: http::Uri = referer.parse().ok()?;
    let page = uri.path_and_query()?.as_str().to_owned();
    Some((page, parts.uri.path().to_owned()))
}
