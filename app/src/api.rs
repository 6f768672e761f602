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
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.status()) {
                response.set_status(status);
            }
        }
    }
    result
}
