//! Who is signed in, as pages see it: the header's account link and the account page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in person, as pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub email: String,
}

impl From<&domain::User> for Viewer {
    fn from(user: &domain::User) -> Self {
        Self {
            name: user.display_name.to_string(),
            email: user.email.to_string(),
        }
    }
}

/// Who is signed in, if anyone. Pages call it to choose between "Sign in" and the account.
#[server(prefix = "/api", endpoint = "viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(crate::request::signed_in_user().as_ref().map(Viewer::from))
}

/// The signed-in person's account; [`AppError::SignInRequired`] (401) when signed out.
#[server(prefix = "/api", endpoint = "account")]
pub async fn my_account() -> Result<Viewer, AppError> {
    use crate::request::{answer, require_user};

    answer(async { require_user().map(|user| Viewer::from(&user)) }).await
}
