//! Settings read from Secrets Manager at start (`server::secrets`), against ministack's.

use std::collections::HashMap;

use server::secrets::{overlay, SecretsError, SECRETS_VAR};

use crate::common::site::stack_var;

/// The server's AWS configuration (credentials and region from the local stack), pointed at
/// ministack.
async fn sdk() -> aws_config::SdkConfig {
    server::aws_sdk_config()
        .await
        .to_builder()
        .endpoint_url(stack_var("EWELISTS_TEST_MINISTACK"))
        .build()
}

async fn store(sdk: &aws_config::SdkConfig, value: &str) -> String {
    let name = format!("ewelists-it-{}", uuid::Uuid::new_v4().simple());
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .expect("the secret is stored")
        .arn()
        .expect("an ARN")
        .to_owned()
}

#[tokio::test]
async fn every_listed_secret_becomes_settings_and_the_environment_wins() {
    let sdk = sdk().await;
    let app = store(
        &sdk,
        r#"{"cookie_secret": "from-the-secret-cookie-key-0123456789", "cognito_client_secret": "cs"}"#,
    )
    .await;
    let origin = store(
        &sdk,
        r#"{"origin_secret": "from-the-secret-origin-key-0123456789"}"#,
    )
    .await;
    let mut vars = HashMap::from([
        (SECRETS_VAR.to_owned(), format!("{app}, {origin}")),
        (
            "EWELISTS_COGNITO_CLIENT_SECRET".to_owned(),
            "set-by-hand".to_owned(),
        ),
    ]);
    assert_eq!(overlay(&sdk, &mut vars).await, Ok(2));
    assert_eq!(
        vars["EWELISTS_COOKIE_SECRET"],
        "from-the-secret-cookie-key-0123456789"
    );
    assert_eq!(
        vars["EWELISTS_ORIGIN_SECRET"],
        "from-the-secret-origin-key-0123456789"
    );
    assert_eq!(vars["EWELISTS_COGNITO_CLIENT_SECRET"], "set-by-hand");
}

#[tokio::test]
async fn a_missing_or_malformed_secret_stops_the_start_and_names_it() {
    let sdk = sdk().await;
    let mut vars = HashMap::from([(SECRETS_VAR.to_owned(), "no-such-secret".to_owned())]);
    let err = overlay(&sdk, &mut vars).await.unwrap_err();
    assert!(
        matches!(&err, SecretsError::Unreadable { id, .. } if id == "no-such-secret"),
        "{err}"
    );
    let plain = store(&sdk, "hunter2-but-longer").await;
    let mut vars = HashMap::from([(SECRETS_VAR.to_owned(), plain.clone())]);
    let err = overlay(&sdk, &mut vars).await.unwrap_err();
    assert_eq!(err, SecretsError::NotAnObject { id: plain });
    assert!(!err.to_string().contains("hunter2"));
}

#[tokio::test]
async fn nothing_is_read_when_no_secret_is_listed() {
    let sdk = sdk().await;
    let mut vars = HashMap::new();
    assert_eq!(overlay(&sdk, &mut vars).await, Ok(0));
    assert!(vars.is_empty());
}
