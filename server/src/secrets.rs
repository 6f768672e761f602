//! Settings kept in AWS Secrets Manager, read once when the server starts (a Lambda's cold
//! start).
//!
//! `EWELISTS_SECRETS` names the secrets (ARNs or names, comma-separated). Each holds a JSON
//! object whose keys are settings: `{"cookie_secret": "…", "cognito_client_secret": "…"}`.
//! A key `k` becomes the variable `EWELISTS_<K>` that the configuration reads, unless the
//! environment already sets that variable. So secret values never sit in the function's
//! environment or in the template's outputs, and the configuration checks them like any other
//! setting.

use std::collections::HashMap;

use crate::config::PREFIX;

/// The variable that names the secrets.
pub const SECRETS_VAR: &str = "EWELISTS_SECRETS";

/// A secret that could not be turned into settings. Never holds a secret's value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretsError {
    #[error("secret {id} cannot be read: {reason}")]
    Unreadable { id: String, reason: String },
    #[error("secret {id} is not a JSON object of settings")]
    NotAnObject { id: String },
    #[error("secret {id}: `{key}` is not a setting name with a string value")]
    BadEntry { id: String, key: String },
}

/// The secrets' ids listed in `vars`.
pub fn listed(vars: &HashMap<String, String>) -> Vec<String> {
    vars.get(SECRETS_VAR)
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The variables that one secret's text sets: `EWELISTS_<KEY>` for each of its keys.
pub fn settings_of(id: &str, text: &str) -> Result<Vec<(String, String)>, SecretsError> {
    let Ok(serde_json::Value::Object(entries)) = serde_json::from_str(text) else {
        return Err(SecretsError::NotAnObject { id: id.to_owned() });
    };
    entries
        .into_iter()
        .map(|(key, value)| {
            let name_ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            match value {
                serde_json::Value::String(value) if name_ok => {
                    Ok((format!("{PREFIX}{}", key.to_ascii_uppercase()), value))
                }
                _ => Err(SecretsError::BadEntry {
                    id: id.to_owned(),
                    key,
                }),
            }
        })
        .collect()
}

/// Adds the settings of every secret listed in `vars` to `vars` (the environment wins over a
/// secret). Returns how many secrets were read. Nothing is read when none is listed.
pub async fn overlay(
    sdk: &aws_config::SdkConfig,
    vars: &mut HashMap<String, String>,
) -> Result<usize, SecretsError> {
    let ids = listed(vars);
    if ids.is_empty() {
        return Ok(0);
    }
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let reads = ids.iter().map(|id| {
        let client = client.clone();
        async move {
            let output = client
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|e| SecretsError::Unreadable {
                    id: id.clone(),
                    reason: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                })?;
            let text = output
                .secret_string()
                .ok_or_else(|| SecretsError::NotAnObject { id: id.clone() })?;
            settings_of(id, text)
        }
    });
    for settings in futures::future::try_join_all(reads).await? {
        for (var, value) in settings {
            vars.entry(var).or_insert(value);
        }
    }
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_of_a_secret_is_a_setting() {
        let settings = settings_of(
            "app",
            r#"{"cookie_secret": "abc", "cognito_client_secret": "xyz"}"#,
        )
        .unwrap();
        assert!(settings.contains(&("EWELISTS_COOKIE_SECRET".into(), "abc".into())));
        assert!(settings.contains(&("EWELISTS_COGNITO_CLIENT_SECRET".into(), "xyz".into())));
    }

    #[test]
    fn a_secret_that_is_not_an_object_of_strings_is_refused_without_its_value() {
        assert_eq!(
            settings_of("app", "plain-password"),
            Err(SecretsError::NotAnObject { id: "app".into() })
        );
        let err = settings_of("app", r#"{"cookie_secret": 12345678}"#).unwrap_err();
        assert!(!err.to_string().contains("12345678"), "{err}");
        assert!(matches!(err, SecretsError::BadEntry { .. }));
        // A key that could not be a setting name (it would make an odd variable).
        assert!(settings_of("app", r#"{"COOKIE-SECRET": "x"}"#).is_err());
    }

    #[test]
    fn the_list_of_secrets_is_comma_separated() {
        let vars = HashMap::from([(SECRETS_VAR.to_owned(), " arn:a , arn:b,".to_owned())]);
        assert_eq!(listed(&vars), ["arn:a", "arn:b"]);
        assert!(listed(&HashMap::new()).is_empty());
    }
}
