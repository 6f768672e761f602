//! Server functions' errors that the framework raised itself (arguments that could not be read,
//! say): they carry the app's typed error but the framework's 500; this gives them the error's
//! own status. (Errors a server function returns get theirs from `app::request::answer`.)

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::FromServerFnError;

/// Largest error body read back (errors are a few hundred bytes).
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let err = app::error::AppError::de(bytes.clone());
    if let Ok(status) = StatusCode::from_u16(err.status()) {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
