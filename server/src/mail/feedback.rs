//! The mail service's reports of bounces and complaints, which put a mailbox on the
//! suppression list that the courier honours.
//!
//! SES publishes them from the configuration set, as event-publishing records (`eventType`),
//! or as identity notifications (`notificationType`); they arrive wrapped in an SNS message
//! (`Message`, a JSON string) or an EventBridge event (`detail`). [`read`] accepts each of
//! these, one record or an array of them, and keeps what matters: a permanent bounce or a
//! complaint suppresses each recipient it names; a transient bounce (a full mailbox, a
//! server down) suppresses nobody, and the courier's retries deal with it.
//!
//! Locally and in tests the same records are fed to `server mail-feedback <file>`.

use domain::Email;
use serde_json::Value;

/// Why a mailbox is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A permanent bounce: the address does not exist or never accepts mail.
    Bounce,
    /// The recipient marked a mail as spam.
    Complaint,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounce => "bounce",
            Self::Complaint => "complaint",
        }
    }
}

/// A mailbox to suppress, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub email: Email,
    pub reason: Reason,
}

/// The suppressions that `report` (one record, or an array; raw or wrapped) asks for. Parts
/// that are not bounce or complaint records, and addresses that do not parse, are skipped.
pub fn read(report: &Value) -> Vec<Suppression> {
    let mut found = Vec::new();
    collect(report, &mut found);
    found
}

/// Suppresses every mailbox that `report` names (see [`read`]); returns how many.
pub async fn apply(
    outbox: &crate::store::outbox::Outbox,
    report: &Value,
    now: time::OffsetDateTime,
) -> Result<usize, app::ports::StoreError> {
    let suppressions = read(report);
    for s in &suppressions {
        outbox.suppress(&s.email, s.reason.as_str(), now).await?;
    }
    Ok(suppressions.len())
}

fn collect(value: &Value, found: &mut Vec<Suppression>) {
    match value {
        Value::Array(records) => records.iter().for_each(|r| collect(r, found)),
        Value::Object(record) => {
            // EventBridge: the SES record is the event's `detail`.
            if let Some(detail) = record.get("detail") {
                return collect(detail, found);
            }
            // SNS: the record is the message, as a JSON string.
            if let Some(Value::String(message)) = record.get("Message") {
                if let Ok(inner) = serde_json::from_str::<Value>(message) {
                    collect(&inner, found);
                }
                return;
            }
            // An SNS delivery to a Lambda: `Records[].Sns`.
            if let Some(Value::Array(records)) = record.get("Records") {
                for r in records {
                    if let Some(sns) = r.get("Sns") {
                        collect(sns, found);
                    }
                }
                return;
            }
            let kind = record
                .get("eventType")
                .or_else(|| record.get("notificationType"))
                .and_then(Value::as_str);
            // `Value` indexing gives `Null` for what is missing (a `Map`'s would panic).
            let field = |name: &str| record.get(name).unwrap_or(&Value::Null);
            match kind {
                Some("Bounce") => {
                    let bounce = field("bounce");
                    if bounce["bounceType"].as_str() == Some("Permanent") {
                        recipients(&bounce["bouncedRecipients"], Reason::Bounce, found);
                    }
                }
                Some("Complaint") => {
                    let complaint = field("complaint");
                    recipients(&complaint["complainedRecipients"], Reason::Complaint, found);
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn recipients(list: &Value, reason: Reason, found: &mut Vec<Suppression>) {
    let Some(list) = list.as_array() else {
        return;
    };
    for recipient in list {
        let address = recipient["emailAddress"].as_str().unwrap_or_default();
        // SES may quote a display name: `Ann <ann@example.com>`.
        let address = match (address.rfind('<'), address.rfind('>')) {
            (Some(open), Some(close)) if open < close => &address[open + 1..close],
            _ => address,
        };
        match Email::parse(address) {
            Ok(email) => found.push(Suppression { email, reason }),
            Err(_) => tracing::warn!("a bounce or complaint names an address that does not parse"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bounce(kind: &str, to: &str) -> Value {
        json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": kind,
                "bouncedRecipients": [{ "emailAddress": to, "status": "5.1.1" }]
            },
            "mail": { "tags": { "mail-id": ["0123456789abcdef0123456789abcdef"] } }
        })
    }

    fn emails(found: &[Suppression]) -> Vec<(&str, Reason)> {
        found.iter().map(|s| (s.email.as_str(), s.reason)).collect()
    }

    #[test]
    fn a_permanent_bounce_suppresses_its_recipients() {
        let found = read(&bounce("Permanent", "ann@example.com"));
        assert_eq!(emails(&found), [("ann@example.com", Reason::Bounce)]);
    }

    #[test]
    fn a_transient_bounce_suppresses_nobody() {
        assert!(read(&bounce("Transient", "ann@example.com")).is_empty());
        assert!(read(&bounce("Undetermined", "ann@example.com")).is_empty());
    }

    #[test]
    fn a_complaint_suppresses_its_recipients() {
        let report = json!({
            "notificationType": "Complaint",
            "complaint": { "complainedRecipients": [
                { "emailAddress": "Bob <bob@example.com>" },
                { "emailAddress": "not an address" }
            ] }
        });
        assert_eq!(
            emails(&read(&report)),
            [("bob@example.com", Reason::Complaint)]
        );
    }

    #[test]
    fn wrapped_reports_are_unwrapped() {
        let inner = bounce("Permanent", "cat@example.com");
        let sns = json!({ "Type": "Notification", "Message": inner.to_string() });
        let lambda = json!({ "Records": [{ "EventSource": "aws:sns", "Sns": sns.clone() }] });
        let bridge = json!({ "detail-type": "Email Bounced", "detail": inner.clone() });
        for report in [sns, lambda, bridge, json!([inner])] {
            assert_eq!(
                emails(&read(&report)),
                [("cat@example.com", Reason::Bounce)],
                "{report}"
            );
        }
    }

    #[test]
    fn anything_else_is_ignored() {
        for report in [
            json!({ "eventType": "Delivery", "delivery": {} }),
            json!({ "eventType": "Bounce" }),
            json!("Bounce"),
            json!({ "Message": "not json" }),
        ] {
            assert!(read(&report).is_empty(), "{report}");
        }
    }
}
