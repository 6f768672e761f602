//! What every server function uses on the server: who is asking, and how an error becomes
//! the response's status.

use domain::User;
use leptos::prelude::*;

use crate::auth::CurrentUser;
use crate::error::AppError;

/// The signed-in person making this request, if any.
pub fn signed_in_user() -> Option<User> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<CurrentUser>()
        .map(|current| current.0.clone())
}

/// The signed-in person making this request, or [`AppError::SignInRequired`].
pub fn require_user() -> Result<User, AppError> {
    signed_in_user().ok_or(AppError::SignInRequired)
}

/// Passes a server function's result through, giving the response the error's status (401,
/// 404, 422, …) instead of the framework's 500 for every error.
///
/// A form posted without the page's script (a plain HTML form post) is sent back to the page
/// it came from, with the error in the query (`__path`, `__err`), where
/// [`crate::forms`] shows it in place.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            match plain_form_origin_page() {
                Some((page, function)) => {
                    let location = crate::forms::with_error(&page, &function, err);
                    if let Ok(value) = http::HeaderValue::from_str(&location) {
                        response.set_status(http::StatusCode::SEE_OTHER);
                        response.insert_header(http::header::LOCATION, value);
                    }
                }
                None => {
                    if let Ok(status) = http::StatusCode::from_u16(err.status()) {
                        response.set_status(status);
                    }
                }
            }
        }
    }
    result
}

/// For a plain form post (the browser asked for HTML): the path and query of the page that
/// posted it (from `Referer`; only the path, so the answer never leads off the site), and the
/// server function's own path.
fn plain_form_origin_page() -> Option<(String, String)> {
    let parts = use_context::<http::request::Parts>()?;
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

/// The adapters, as the server provided them for this request.
pub fn services() -> Result<crate::ports::Services, AppError> {
    use_context::<crate::ports::Services>().ok_or_else(|| {
        tracing::error!("server functions ran without their services");
        AppError::Internal
    })
}

/// The clock, read once per action (rules take `now` as an argument).
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
