//! Contract tests of the mail port's SES adapter, against ministack's SES.
//!
//! They read the settings as the server does (`Leptos.toml` under `EWELISTS_ENV`, and the
//! `EWELISTS_*` variables that `scripts/stack.py` sets), send through `SesMailer`, and read
//! what was sent back from ministack's outbox (`EWELISTS_TEST_MINISTACK`). They FAIL without
//! the local stack.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::ports::{Mail, MailError, Mailer};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_sesv2::config::{Credentials, Region};
use domain::{Email, PersonName, ProductTitle, Quantity, Title};
use server::config::{Config, MailConfig};
use server::mail::{client, SesMailer};

use crate::common::site::{self, SentMail};

/// The server's settings for this environment, read from the repository's `Leptos.toml`.
fn config() -> Config {
    site::stack_var("EWELISTS_TEST_MINISTACK");
    let file = format!("{}/../Leptos.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).expect("read Leptos.toml");
    let vars: HashMap<String, String> = std::env::vars().collect();
    Config::from_sources(&file, &text, &vars).unwrap_or_else(|e| panic!("settings: {e}"))
}

/// An adapter built as the server builds it.
async fn mailer(config: &Config, sender: &str) -> SesMailer {
    let sdk = server::aws_sdk_config().await;
    SesMailer::new(
        client(&sdk, &config.mail).await,
        sender.to_owned(),
        config.site_url.clone(),
    )
}

fn unique_address() -> Email {
    let local = format!("mail-{}", uuid::Uuid::new_v4().simple());
    Email::parse(&format!("{local}@example.com")).expect("an address")
}

/// Every message sent to `to`.
async fn sent_to(to: &Email) -> Vec<SentMail> {
    site::outbox_for(to.as_str()).await
}

#[tokio::test]
async fn a_welcome_mail_reaches_the_outbox_with_both_parts() {
    let config = config();
    let mailer = mailer(&config, &config.mail.sender).await;
    let to = unique_address();
    let name = r#"Zoë "Zo" O'Brien & <co>"#;
    let mail = Mail::Welcome {
        to: to.clone(),
        name: PersonName::parse(name).expect("a name"),
    };

    mailer
        .send(&mail, "0123456789abcdef0123456789abcdef")
        .await
        .expect("sent");

    let sent = sent_to(&to).await;
    assert_eq!(sent.len(), 1, "exactly one message to {to}: {sent:?}");
    let m = &sent[0];
    assert_eq!(m.source, config.mail.sender);
    assert_eq!(m.to, vec![to.as_str().to_owned()]);
    assert_eq!(m.subject, "Welcome to Ewelists");
    let site = config.site_url.as_str();
    assert!(
        m.body_text.contains(&format!("Hello {name},")),
        "{}",
        m.body_text
    );
    assert!(m.body_text.contains(site), "{}", m.body_text);
    let html = m.body_html.as_deref().expect("an HTML part");
    assert!(
        html.contains("Hello Zoë &quot;Zo&quot; O&#39;Brien &amp; &lt;co&gt;,"),
        "{html}"
    );
    assert!(!html.contains("<co>"));
    assert!(html.contains(&format!(r#"href="{site}""#)), "{html}");
}

#[tokio::test]
async fn a_reservation_mail_reaches_the_mail_service_with_the_manage_and_list_links() {
    let config = config();
    let mailer = mailer(&config, &config.mail.sender).await;
    let to = unique_address();
    let site = config.site_url.as_str().trim_end_matches('/');
    let list_url = format!("{site}/lists/list-1");
    let manage_url = format!("{site}/reserve/{}", uuid::Uuid::new_v4().simple());
    let mail = Mail::ReservationConfirmed {
        to: to.clone(),
        guest_name: PersonName::parse("Zoë").expect("a name"),
        gift: ProductTitle::parse(r#"Train & "tracks""#).expect("a title"),
        quantity: Quantity::new(2).expect("a quantity"),
        list_title: Title::parse("Mia's baby shower").expect("a title"),
        list_url: list_url.clone(),
        manage_url: manage_url.clone(),
    };

    mailer
        .send(&mail, "0123456789abcdef0123456789abcdef")
        .await
        .expect("sent");

    let sent = sent_to(&to).await;
    assert_eq!(sent.len(), 1, "exactly one message to {to}: {sent:?}");
    let m = &sent[0];
    assert_eq!(m.subject, r#"You reserved "Train & "tracks"""#);
    let text = &m.body_text;
    assert!(text.contains("Hello Zoë,"), "{text}");
    assert!(text.contains(r#"2 × Train & "tracks""#), "{text}");
    assert!(
        text.contains(&format!("Manage your reservation: {manage_url}")),
        "{text}"
    );
    assert!(!text.contains("Buy it"), "{text}");
    assert!(text.contains(&list_url), "{text}");
    let html = m.body_html.as_deref().expect("an HTML part");
    assert!(html.contains(&format!(r#"href="{manage_url}""#)), "{html}");
    assert!(!html.contains("shop.example"), "{html}");
    assert!(html.contains(&format!(r#"href="{list_url}""#)), "{html}");
    assert!(
        html.contains("2 × Train &amp; &quot;tracks&quot;"),
        "{html}"
    );
}

#[tokio::test]
async fn a_refused_message_is_rejected_and_not_sent() {
    let config = config();
    // ministack, like SES, refuses to send from an identity nobody verified.
    let mailer = mailer(&config, "Nobody <nobody@unverified.example>").await;
    let to = unique_address();
    let mail = Mail::Welcome {
        to: to.clone(),
        name: PersonName::parse("Ann").expect("a name"),
    };

    assert_eq!(
        mailer.send(&mail, "0123456789abcdef0123456789abcdef").await,
        Err(MailError::Rejected)
    );
    assert!(sent_to(&to).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_service_is_unavailable_within_seconds() {
    // Nothing listens on the discard port. Short timeouts and one quick retry keep the test
    // fast; the adapter itself adds no retries of its own.
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .region(Region::new("us-east-1"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(50)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_timeout(Duration::from_secs(4))
                .build(),
        )
        .load()
        .await;
    let mail_config = MailConfig {
        region: "us-east-1".to_owned(),
        endpoint: Some("http://127.0.0.1:9".parse().expect("a URL")),
        sender: "Ewelists <hello@ewelists.test>".to_owned(),
        team: domain::Email::parse("hello@ewelists.test").expect("an address"),
        configuration_set: None,
    };
    let mailer = SesMailer::new(
        client(&sdk, &mail_config).await,
        mail_config.sender.clone(),
        "http://localhost:3000".parse().expect("a URL"),
    );
    let mail = Mail::Welcome {
        to: unique_address(),
        name: PersonName::parse("Ann").expect("a name"),
    };

    let started = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        mailer.send(&mail, "0123456789abcdef0123456789abcdef"),
    )
    .await
    .expect("an answer within 10 seconds");
    assert_eq!(outcome, Err(MailError::Unavailable));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "took {took:?}");
}
