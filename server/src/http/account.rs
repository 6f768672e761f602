//! `GET /account/data` (a download of everything the account holds) and `POST /account/delete`
//! (the account page's form: the person types their email to confirm). Both are for the
//! signed-in person only, rate limited per account, and work without the page's script. See
//! `crate::account` for what they do.

use app::ports::LimitedAction;
use app::request::CurrentUser;
use app::routes::{self, sign_in_href};
use axum::extract::{Form, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::Email;
use serde::Deserialize;

use super::cookies::Kind;
use super::session::redirect_see_other;
use crate::account;
use crate::AppState;

/// `GET /account/data`.
pub async fn download(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return redirect_see_other(&sign_in_href(routes::ACCOUNT_DATA.path()));
    };
    if !state
        .limits
        .allow(LimitedAction::Account, &[user.id.as_str()])
        .await
    {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "That's a lot of downloads in a short time. Please wait a while and try again.",
        );
    }
    match account::export(&state, &user).await {
        Ok(data) => match serde_json::to_vec_pretty(&data) {
            Ok(body) => (
                StatusCode::OK,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_static("attachment; filename=\"ewelists-data.json\""),
                    ),
                ],
                body,
            )
                .into_response(),
            Err(err) => {
                tracing::error!(%err, "account data could not be written");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again in a moment.",
                )
            }
        },
        Err(_) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "We can't reach our database just now. Please try again in a moment.",
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    confirm: Option<String>,
}

/// `POST /account/delete`: with the account's own email typed as confirmation, deletes the
/// account and everything it holds, ends this browser's session and goes to the home page;
/// otherwise back to the account page with a code it explains.
pub async fn delete(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return redirect_see_other(&sign_in_href(routes::ACCOUNT.path()));
    };
    let back =
        |code: &str| redirect_see_other(&format!("{}?delete_error={code}", routes::ACCOUNT.path()));
    let confirmed = form
        .confirm
        .as_deref()
        .and_then(|typed| Email::parse(typed).ok())
        .is_some_and(|typed| typed.same_mailbox(&user.email));
    if !confirmed {
        return back("confirm");
    }
    if !state
        .limits
        .allow(LimitedAction::Account, &[user.id.as_str()])
        .await
    {
        return back("busy");
    }
    if let Err(err) = account::delete(&state, &user).await {
        tracing::error!(%err, user = %user.id, "account deletion did not finish");
        return back("unavailable");
    }
    let mut response = redirect_see_other(&format!("{}?deleted=account", routes::HOME.path()));
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.cookies().clear(Kind::Session));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}
