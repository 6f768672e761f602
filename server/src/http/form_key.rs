//! The key of a page's forms (`domain::once`): a page whose forms must take effect once (see
//! `app::routes::gives_form_key`) comes with a fresh key in a cookie; a post brings the key
//! back, and the app derives the request's record from it (`app::request::once`).
//!
//! A new key with each such page: the same post sent twice from one page (a double press, a
//! retry after a lost answer) is one request, and the same form filled in again later is a new
//! one. The key never leaves this browser and the server's memory: the table holds only
//! hashes made from it.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use domain::OnceKey;
use time::Duration;

use super::cookies::{Cookies, Kind};

/// How long a page's key is kept: long enough for a form left open for the day.
const KEY_LIFETIME: Duration = Duration::hours(12);

pub async fn form_keys(
    State(cookies): State<Cookies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(key) = cookies
        .read(request.headers(), Kind::FormKey)
        .and_then(|text| OnceKey::parse(&text))
    {
        request.extensions_mut().insert(app::request::FormKey(key));
    }
    let page = matches!(*request.method(), Method::GET | Method::HEAD)
        && app::routes::gives_form_key(request.uri().path());
    let mut response = next.run(request).await;
    if page && response.status().is_success() {
        let key = OnceKey::generate().to_string();
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies.set(Kind::FormKey, &key, KEY_LIFETIME),
        );
    }
    response
}
