//! `POST /admin/catalogue/import`: the catalogue editor's file upload (a plain form with a
//! file). The file is checked row by row exactly as `server import-catalogue` checks it
//! ([`crate::catalogue`]): a file with any problem loads nothing. What it came to is kept in the
//! audit trail, and the browser is sent to `GET /admin/catalogue/import`, which shows it.
//! Anyone but an admin gets 404, as for an address that does not exist.

use app::request::{AdminSession, CurrentUser};
use app::routes;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::tools::ImportOutcome;
use domain::{AuditAction, AuditEntry};
use time::OffsetDateTime;

use super::session::redirect_see_other;
use crate::catalogue;
use crate::AppState;

/// The largest catalogue file the page takes (the command line has no limit).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

pub async fn import(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    admin: Option<Extension<AdminSession>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (Some(Extension(CurrentUser(user))), Some(_)) = (user, admin) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(multipart) = multipart else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Please choose a .json or .csv file.",
        );
    };
    let (file, text) = match read_file(multipart).await {
        Ok(file) => file,
        Err(response) => return *response,
    };
    let outcome = match catalogue::parse_catalogue(&file, &text) {
        Ok(entries) => match catalogue::load(state.store.as_ref(), entries).await {
            Ok(report) => ImportOutcome {
                file: file.clone(),
                loaded: Some((report.created, report.updated)),
                problems: Vec::new(),
            },
            Err(_) => {
                // Logged by the store. What was stored stays: loading the file again finishes
                // it without doubling anything.
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "We can't reach our database just now. Load the file again in a moment: products already loaded are updated, not doubled.",
                );
            }
        },
        Err(err) => ImportOutcome {
            file: file.clone(),
            loaded: None,
            problems: match err.problems() {
                [] => vec![err.to_string()],
                problems => problems.iter().map(ToString::to_string).collect(),
            },
        },
    };
    let entry = AuditEntry {
        at: OffsetDateTime::now_utc(),
        who: user.email.as_str().to_owned(),
        action: AuditAction::Import,
        target: file,
        before: None,
        after: serde_json::to_string(&outcome).ok(),
    };
    if state.tools.audit(&entry).await.is_err() {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "The file was read, but we can't reach our database to note it. Please load it again in a moment.",
        );
    }
    redirect_see_other(routes::ADMIN_IMPORT.path())
}

/// The form's `file`: its name and its text (UTF-8, at most [`MAX_FILE_BYTES`]).
async fn read_file(mut multipart: Multipart) -> Result<(String, String), Box<Response>> {
    let refuse = |status, words| Box::new(plain(status, words));
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "Please choose a .json or .csv file.",
                ))
            }
            Err(_) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "The file could not be read. Files of up to 2 MB are taken.",
                ))
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name: String = field
            .file_name()
            .unwrap_or("catalogue")
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        let bytes = field.bytes().await.map_err(|_| {
            refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The file could not be read. Files of up to 2 MB are taken.",
            )
        })?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Files of up to 2 MB are taken.",
            ));
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The file must be text in UTF-8.",
            )
        })?;
        return Ok((name, text));
    }
}

fn plain(status: StatusCode, words: &'static str) -> Response {
    (status, words).into_response()
}
