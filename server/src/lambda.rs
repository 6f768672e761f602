//! Running as AWS Lambda functions.
//!
//! One binary does everything. When the Lambda runtime starts it (the variable
//! `AWS_LAMBDA_RUNTIME_API` is set), the function's handler setting (`_HANDLER`, the template's
//! `Handler`) says which part it plays:
//!
//! - `web`: the site. The same router as `server serve`, behind a function URL (its events are
//!   API Gateway v2 requests), buffered: the page is rendered whole, then sent. See
//!   `docs/deploy.md` for why buffered and what it costs.
//! - `courier`: one pass of the mail outbox's courier per event, whatever the event: the
//!   table's stream (a mail was queued) or the schedule (retries, and mails the index did not
//!   show yet when their stream record came).
//! - `mail-feedback`: the SES bounce and complaint notifications (through SNS), which suppress
//!   mailboxes (`mail::feedback`).
//! - `sweep`: the daily sweep (`crate::sweep`), on a schedule.

use std::fmt;

use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::service_fn;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::metrics::{self, Metric};
use crate::{http, AppState};

/// Set by the Lambda runtime in every function's environment.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";
/// The function's `Handler` setting.
pub const HANDLER_VAR: &str = "_HANDLER";

/// The part a function plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Web,
    Courier,
    MailFeedback,
    Sweep,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Web, Role::Courier, Role::MailFeedback, Role::Sweep];

    /// The `Handler` value that selects this role.
    pub fn handler(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Courier => "courier",
            Self::MailFeedback => "mail-feedback",
            Self::Sweep => "sweep",
        }
    }

    pub fn parse(handler: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.handler() == handler.trim())
    }

    /// `None` outside Lambda; inside, the role the handler names, or an error that lists the
    /// valid ones.
    pub fn from_env() -> Option<Result<Self, UnknownHandler>> {
        std::env::var_os(RUNTIME_API_VAR)?;
        let handler = std::env::var(HANDLER_VAR).unwrap_or_default();
        Some(Self::parse(&handler).ok_or(UnknownHandler(handler)))
    }
}

/// A `Handler` that names no role.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownHandler(pub String);

impl fmt::Display for UnknownHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<&str> = Role::ALL.iter().map(|r| r.handler()).collect();
        write!(
            f,
            "the function's handler `{}` is not one of {}",
            self.0,
            valid.join(", ")
        )
    }
}

impl std::error::Error for UnknownHandler {}

/// Serves `role`'s events until the runtime stops the process.
pub async fn run(role: Role, state: AppState) -> Result<(), lambda_http::Error> {
    metrics::init(state.config.environment.as_str());
    tracing::info!(role = role.handler(), "Lambda function ready");
    match role {
        Role::Web => {
            state.config.check_serving()?;
            lambda_http::run(http::router(state)).await
        }
        Role::Courier => {
            let handler = service_fn(move |_: LambdaEvent<Value>| courier_pass(state.clone()));
            lambda_runtime::run(handler).await
        }
        Role::Sweep => {
            let handler = service_fn(move |_: LambdaEvent<Value>| {
                let state = state.clone();
                async move {
                    let swept = crate::sweep::run(&state, OffsetDateTime::now_utc()).await?;
                    Ok::<Value, lambda_http::Error>(serde_json::to_value(swept)?)
                }
            });
            lambda_runtime::run(handler).await
        }
        Role::MailFeedback => {
            let handler = service_fn(move |event: LambdaEvent<Value>| {
                mail_feedback(state.clone(), event.payload)
            });
            lambda_runtime::run(handler).await
        }
    }
}

/// A pass of the courier; a failure (the table unreachable) fails the invocation, so that the
/// stream's records are tried again.
async fn courier_pass(state: AppState) -> Result<Value, lambda_http::Error> {
    let pass = state
        .courier
        .deliver_all_due(OffsetDateTime::now_utc())
        .await?;
    metrics::record(
        Metric::OutboxOldestAgeSeconds,
        pass.oldest_wait.as_seconds_f64(),
    );
    Ok(json!({
        "due": pass.due,
        "sent": pass.sent,
        "retried": pass.retried,
        "dead": pass.dead,
        "suppressed": pass.suppressed,
        "skipped": pass.skipped,
    }))
}

async fn mail_feedback(state: AppState, event: Value) -> Result<Value, lambda_http::Error> {
    let suppressed =
        crate::mail::feedback::apply(state.courier.outbox(), &event, OffsetDateTime::now_utc())
            .await?;
    if suppressed > 0 {
        tracing::info!(
            suppressed,
            "mailboxes suppressed after bounces or complaints"
        );
    }
    Ok(json!({ "suppressed": suppressed }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_handler_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.handler()), Some(role));
        }
        assert_eq!(Role::parse("bootstrap"), None);
        let err = UnknownHandler("bootstrap".into()).to_string();
        assert!(err.contains("web, courier, mail-feedback"), "{err}");
    }
}
