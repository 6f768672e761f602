//! The mail port's SES adapter: one `SendEmail` (API v2) per mail, with a UTF-8 subject and
//! HTML and plain-text bodies.

use app::ports::{Mail, MailError, Mailer};
use aws_sdk_sesv2::config::Region;
use aws_sdk_sesv2::error::{BuildError, DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, MessageTag};
use aws_sdk_sesv2::Client;
use url::Url;

use super::messages::{kind, render, Message};
use crate::config::MailConfig;

/// Builds an SES client from the standard AWS configuration (credentials, retries), in the
/// mail's region and pointed at the configured endpoint when there is one (the local stand-in).
pub async fn client(sdk: &aws_config::SdkConfig, mail: &MailConfig) -> Client {
    let mut builder =
        aws_sdk_sesv2::config::Builder::from(sdk).region(Region::new(mail.region.clone()));
    if let Some(endpoint) = &mail.endpoint {
        builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    Client::from_conf(builder.build())
}

/// Sends the app's emails through SES (for the outbox's courier).
///
/// A failed send is logged here (the kind of mail and the service's error, never the address
/// or the contents) and answered with [`MailError`]. Retries are the SDK's standard ones; the
/// caller decides whether to try again later.
#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
    site_url: Url,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// `sender` is the `From` of every email (a verified identity); links point into `site_url`.
    pub fn new(client: Client, sender: String, site_url: Url) -> Self {
        Self {
            client,
            sender,
            site_url,
            configuration_set: None,
        }
    }

    /// Sends through an SES configuration set, whose event destination reports bounces and
    /// complaints (see `feedback`).
    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

#[async_trait::async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail, key: &str) -> Result<(), MailError> {
        let kind = kind(mail);
        let message = render(mail, &self.site_url);
        let content = match email_content(&message) {
            Ok(content) => content,
            Err(err) => {
                tracing::warn!(mail = kind, error = %err, "email not sent: cannot build it");
                return Err(MailError::Rejected);
            }
        };
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(content)
            .set_email_tags(tag(key))
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match sent {
            Ok(_) => {
                tracing::debug!(mail = kind, "email sent");
                Ok(())
            }
            Err(err) => {
                let outcome = outcome(&err);
                // The service may quote the address (e.g. "not verified: ann@…"); keep it out.
                let error = redact(&DisplayErrorContext(&err).to_string(), message.to.as_str());
                tracing::warn!(mail = kind, outcome = ?outcome, %error, "email not sent");
                Err(outcome)
            }
        }
    }
}

/// The outbox's id of the mail as a message tag (SES quotes tags in its bounce and complaint
/// reports). None when the id has characters a tag value cannot hold (never for the outbox's).
fn tag(key: &str) -> Option<Vec<MessageTag>> {
    let valid = !key.is_empty()
        && key.len() <= 256
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let tag = MessageTag::builder()
        .name(MAIL_ID_TAG)
        .value(key)
        .build()
        .ok()?;
    valid.then(|| vec![tag])
}

/// The message tag that carries the outbox's id of a mail.
pub const MAIL_ID_TAG: &str = "mail-id";

/// The message as SES's simple content: subject and both bodies in UTF-8.
fn email_content(message: &Message) -> Result<EmailContent, BuildError> {
    let utf8 = |data: &str| Content::builder().data(data).charset("UTF-8").build();
    let simple = aws_sdk_sesv2::types::Message::builder()
        .subject(utf8(&message.subject)?)
        .body(
            Body::builder()
                .html(utf8(&message.html)?)
                .text(utf8(&message.text)?)
                .build(),
        )
        .build();
    Ok(EmailContent::builder().simple(simple).build())
}

/// What a failed `SendEmail` means for the caller: the service refused this message (retrying
/// won't help), or it could not be reached or failed (later may work).
fn outcome(err: &SdkError<SendEmailError>) -> MailError {
    match err {
        SdkError::ServiceError(service) => match service.err() {
            SendEmailError::MessageRejected(_)
            | SendEmailError::BadRequestException(_)
            | SendEmailError::AccountSuspendedException(_)
            | SendEmailError::SendingPausedException(_)
            | SendEmailError::MailFromDomainNotVerifiedException(_)
            | SendEmailError::NotFoundException(_) => MailError::Rejected,
            // Throttling, quotas, and anything else (5xx, unknown codes).
            _ => MailError::Unavailable,
        },
        // Timeouts, connection failures, unreadable responses, and requests that couldn't be built
        // (e.g. no credentials yet).
        _ => MailError::Unavailable,
    }
}

/// `text` with every occurrence of `address` (ASCII, any case) replaced by `<recipient>`.
fn redact(text: &str, address: &str) -> String {
    if address.is_empty() {
        return text.to_owned();
    }
    let lower = text.to_ascii_lowercase();
    let needle = address.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    // ASCII lower-casing keeps byte offsets, so positions in `lower` are positions in `text`.
    for (at, _) in lower.match_indices(&needle) {
        out.push_str(&text[rest..at]);
        out.push_str("<recipient>");
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_address_in_any_case() {
        assert_eq!(
            redact(
                "not verified in US-EAST-1: Ann@Example.com, ann@example.com.",
                "ann@example.com"
            ),
            "not verified in US-EAST-1: <recipient>, <recipient>."
        );
        assert_eq!(
            redact("héllo, no address", "ann@example.com"),
            "héllo, no address"
        );
    }

    #[test]
    fn the_mail_id_travels_as_a_tag_when_it_can() {
        let tags = tag("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(tags[0].name(), MAIL_ID_TAG);
        assert_eq!(tags[0].value(), "0123456789abcdef0123456789abcdef");
        assert!(tag("not valid!").is_none());
        assert!(tag("").is_none());
    }

    #[test]
    fn the_content_is_utf8_with_both_bodies() {
        let message = Message {
            to: domain::Email::parse("ann@example.com").unwrap(),
            subject: "Welcome".to_owned(),
            html: "<p>Zoë</p>".to_owned(),
            text: "Zoë".to_owned(),
        };
        let content = email_content(&message).unwrap();
        let simple = content.simple().unwrap();
        assert_eq!(simple.subject().unwrap().data(), "Welcome");
        assert_eq!(simple.subject().unwrap().charset(), Some("UTF-8"));
        let body = simple.body().unwrap();
        assert_eq!(body.html().unwrap().data(), "<p>Zoë</p>");
        assert_eq!(body.text().unwrap().charset(), Some("UTF-8"));
    }
}
