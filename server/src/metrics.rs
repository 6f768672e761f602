//! Operational metrics as CloudWatch embedded-metric-format (EMF) log lines.
//!
//! A Lambda function's standard output goes to CloudWatch Logs, which turns every JSON line with
//! an `_aws` member into metric data points: no agent and no API call on the request's path.
//! The template's alarms read these metrics (namespace `Ewelists`, dimension `Environment`).
//! Elsewhere (local, test, a plain server) nothing is written unless [`init`] turned it on.

use std::io::Write;
use std::sync::OnceLock;

use time::OffsetDateTime;

/// The metrics' namespace in CloudWatch.
pub const NAMESPACE: &str = "Ewelists";

/// What is counted or measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// A reservation made.
    Reservations,
    /// A reservation refused because the gift had too few left (someone was quicker).
    ReservationConflicts,
    /// An attempt refused by a rate limit.
    RateLimited,
    /// A request through the proxy without a usable client-address header (keyed on the
    /// peer instead): the proxy or the `client_ip_header` setting is wrong.
    ClientAddressMissing,
    /// A request that took longer than the server's time limit and was answered 503.
    RequestTimeouts,
    MailsSent,
    /// A try that failed and will be retried.
    MailsFailed,
    MailsGivenUp,
    /// A response with a 5xx status.
    Http5xx,
    /// How long the oldest mail due has waited since it was queued (seconds).
    OutboxOldestAgeSeconds,
    /// The day-by-day counts that no metric above already counts.
    SignUps,
    ListsCreated,
    GiftsAdded,
    Purchases,
    Cancellations,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Self::Reservations => "Reservations",
            Self::ReservationConflicts => "ReservationConflicts",
            Self::RateLimited => "RateLimited",
            Self::ClientAddressMissing => "ClientAddressMissing",
            Self::RequestTimeouts => "RequestTimeouts",
            Self::MailsSent => "MailsSent",
            Self::MailsFailed => "MailsFailed",
            Self::MailsGivenUp => "MailsGivenUp",
            Self::Http5xx => "Http5xx",
            Self::OutboxOldestAgeSeconds => "OutboxOldestAgeSeconds",
            Self::SignUps => "SignUps",
            Self::ListsCreated => "ListsCreated",
            Self::GiftsAdded => "GiftsAdded",
            Self::Purchases => "Purchases",
            Self::Cancellations => "Cancellations",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Self::OutboxOldestAgeSeconds => "Seconds",
            _ => "Count",
        }
    }
}

/// The environment's name, once metrics are on.
static ENVIRONMENT: OnceLock<&'static str> = OnceLock::new();

/// Turns the metric lines on for `environment` (staging, prod, or a test of the Lambda path).
pub fn init(environment: &'static str) {
    let _ = ENVIRONMENT.set(environment);
}

/// Records `value` for `metric` (a count of 1 for most).
pub fn record(metric: Metric, value: f64) {
    let Some(environment) = ENVIRONMENT.get() else {
        return;
    };
    let line = line(metric, value, environment, OffsetDateTime::now_utc());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Counts one occurrence of `metric`.
pub fn count(metric: Metric) {
    record(metric, 1.0);
}

/// The metric of a day-by-day count, when no other metric already counts it (reservations
/// and mails are counted where they happen: `Reservations`, `MailsSent`, `MailsGivenUp`).
pub fn kpi_metric(kpi: domain::Kpi) -> Option<Metric> {
    use domain::Kpi;
    match kpi {
        Kpi::SignUp => Some(Metric::SignUps),
        Kpi::ListCreated => Some(Metric::ListsCreated),
        Kpi::GiftAdded => Some(Metric::GiftsAdded),
        Kpi::Purchase => Some(Metric::Purchases),
        Kpi::Cancellation => Some(Metric::Cancellations),
        Kpi::Reservation | Kpi::MailSent | Kpi::MailFailed => None,
    }
}

/// Counts a day-by-day count that was just committed as its metric.
pub fn count_kpi(kpi: domain::Kpi) {
    if let Some(metric) = kpi_metric(kpi) {
        count(metric);
    }
}

/// One EMF line.
pub fn line(metric: Metric, value: f64, environment: &str, at: OffsetDateTime) -> String {
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    serde_json::json!({
        "_aws": {
            "Timestamp": millis as i64,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Environment"]],
                "Metrics": [{ "Name": metric.name(), "Unit": metric.unit() }],
            }],
        },
        "Environment": environment,
        metric.name(): value,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_an_emf_document_for_one_metric() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let line = line(Metric::Reservations, 1.0, "prod", at);
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["_aws"]["Timestamp"], 1_800_000_000_000_i64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Ewelists");
        assert_eq!(directive["Dimensions"][0][0], "Environment");
        assert_eq!(directive["Metrics"][0]["Name"], "Reservations");
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
        // The dimension and the metric are members of the document itself.
        assert_eq!(doc["Environment"], "prod");
        assert_eq!(doc["Reservations"], 1.0);
        assert!(!line.contains('\n'));
    }

    #[test]
    fn the_outbox_age_is_in_seconds() {
        let line = line(
            Metric::OutboxOldestAgeSeconds,
            42.0,
            "staging",
            OffsetDateTime::UNIX_EPOCH,
        );
        assert!(line.contains(r#""Unit":"Seconds""#), "{line}");
        assert!(line.contains(r#""OutboxOldestAgeSeconds":42.0"#), "{line}");
    }
}
