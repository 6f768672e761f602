//! The server's typed configuration.
//!
//! Defaults per environment come from `Leptos.toml` (`[env.<name>]` tables); every key can be
//! overridden by an environment variable `EWELISTS_<KEY>`. `EWELISTS_ENV` names the environment.
//! A missing or malformed value is an error that names the variable to set.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use secrecy::SecretString;
use url::Url;

/// The prefix of every environment variable the server reads for itself.
pub const PREFIX: &str = "EWELISTS_";

/// Where the app runs. Decides defaults such as log format, cookie flags and auto-provisioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Local,
    Test,
    Staging,
    Prod,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Test => "test",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "local" => Some(Self::Local),
            "test" => Some(Self::Test),
            "staging" => Some(Self::Staging),
            "prod" => Some(Self::Prod),
            _ => None,
        }
    }

    /// Local and test run on plain http://localhost; the others are served over HTTPS.
    pub fn is_deployed(self) -> bool {
        matches!(self, Self::Staging | Self::Prod)
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// DynamoDB: the one table and, for DynamoDB Local, its endpoint.
#[derive(Debug, Clone)]
pub struct TableConfig {
    pub name: String,
    pub endpoint: Option<Url>,
}

/// The Cognito user pool's hosted UI and the app client that signs in through it.
#[derive(Debug, Clone)]
pub struct CognitoConfig {
    /// The ID token's `iss`: `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: Url,
    /// The hosted UI's base URL: `https://<prefix>.auth.<region>.amazoncognito.com`.
    pub domain: Url,
    pub client_id: String,
    /// Absent for a public app client.
    pub client_secret: Option<SecretString>,
    /// Defaults to `<issuer>/.well-known/jwks.json`.
    pub jwks_url: Url,
    /// The user pool's API (deleting an account's sign-in), when not AWS's own endpoint: the
    /// local stack's stand-in.
    pub api_endpoint: Option<Url>,
    /// The user-pool group whose members may use the tools area (`admin_group`, `admin` by
    /// default), as the ID token's `cognito:groups` names it.
    pub admin_group: String,
}

impl CognitoConfig {
    /// The user pool's id: the last segment of the issuer (`us-east-1_abc`).
    pub fn pool_id(&self) -> &str {
        self.issuer
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .unwrap_or_default()
    }

    /// The pool's region: what comes before the `_` of its id.
    pub fn region(&self) -> &str {
        self.pool_id().split('_').next().unwrap_or_default()
    }
}

/// SES, for the app's emails.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub region: String,
    pub endpoint: Option<Url>,
    /// The `From` of every email, e.g. `Ewelists <hello@ewelists.com>`.
    pub sender: String,
    /// Where messages from the contact page go (`contact_to`; by default the address of
    /// `mail_from`).
    pub team: domain::Email,
    /// The SES configuration set whose event destination reports bounces and complaints
    /// (deployed; see `mail::feedback`).
    pub configuration_set: Option<String>,
}

/// Fetching shops' pages to read a product's details (the "paste a link" lookup).
#[derive(Debug, Clone, Default)]
pub struct FetchConfig {
    /// `host:port` pairs that may be fetched although they are not public addresses or ports:
    /// the test shop that the local stack serves. Refused when deployed.
    pub allow: Vec<String>,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// Whether this server runs for real people (on AWS): staging and prod always, and any
    /// environment whose `deployed` setting is true (the template sets it, so a `test` stack in
    /// AWS is held to the same rules). Decides which settings must be set and must use https.
    pub deployed: bool,
    /// The site's public origin, e.g. `https://ewelists.com`: links in emails, origin checks.
    pub site_url: Url,
    pub table: TableConfig,
    pub cognito: CognitoConfig,
    pub mail: MailConfig,
    pub log_format: LogFormat,
    /// Create the table when it is missing, at start (local and test only by default).
    pub auto_migrate: bool,
    pub fetch: FetchConfig,
    /// A catalogue file (JSON or CSV) to load at start: the local stack's sample products.
    pub catalogue_seed: Option<std::path::PathBuf>,
    /// The request header that holds the client's address, lower-cased, when a proxy stands in
    /// front of the server: `cloudfront-viewer-address` behind CloudFront, `x-forwarded-for`
    /// behind a load balancer (its rightmost entry is used). Unset: the TCP peer's address.
    /// Guests' rate limits are keyed on it (see `http::client`). `peer` says explicitly that
    /// clients connect directly (also `None`).
    pub client_ip_header: Option<String>,
    /// How long a request may take before it is answered `503` (`request_timeout_ms`,
    /// default 10 s; see `http::timeout`).
    pub request_timeout: std::time::Duration,
    /// Whether `client_ip_header` was set (to a header or to `peer`): a deployed server must
    /// say where client addresses come from ([`Config::check_serving`]).
    pub client_ip_header_set: bool,
    /// Signs the guests' remembered-reservations cookie (at least 32 characters). Required
    /// when deployed; local and test make a random one at each start when it is unset.
    pub cookie_secret: SecretString,
    /// The values of the `X-Origin-Verify` header that the CDN adds to every request it
    /// forwards (the current one and, while it is being rotated, the previous one). When set,
    /// a request without one of them is refused: it did not come through the CDN, so its
    /// client-address header cannot be trusted. Required behind CloudFront.
    pub origin_secrets: Vec<SecretString>,
}

/// A setting that is missing or malformed, named by the variable that sets it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var} is not set (set it, or `{key}` under [env.{env}] in {file})")]
    Missing {
        var: String,
        key: &'static str,
        env: &'static str,
        file: String,
    },
    #[error("{var} is not valid: {reason}")]
    Invalid { var: String, reason: String },
    #[error("cannot read the config file {file}: {reason}")]
    File { file: String, reason: String },
}

impl Config {
    /// What serving HTTP needs beyond what every command needs: when deployed, where client
    /// addresses come from must be said (`client_ip_header`: the proxy's header, or `peer`),
    /// since every guest's rate limit is keyed on them and a wrong guess either lets anyone
    /// pick their own address or puts every visitor under one key.
    pub fn check_serving(&self) -> Result<(), ConfigError> {
        if self.deployed && !self.client_ip_header_set {
            return Err(ConfigError::Invalid {
                var: format!("{PREFIX}CLIENT_IP_HEADER"),
                reason: "must be set when deployed: the header the proxy puts the client's \
                         address in (cloudfront-viewer-address behind CloudFront), or `peer` \
                         when clients connect directly"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// Reads `EWELISTS_ENV`, the file named by `EWELISTS_CONFIG_FILE` (default `Leptos.toml`)
    /// and the `EWELISTS_*` environment variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// As [`Config::from_env`], with `vars` for the environment (the environment plus the
    /// settings read from secrets; see `secrets`).
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let file = vars
            .get("EWELISTS_CONFIG_FILE")
            .cloned()
            .unwrap_or_else(|| "Leptos.toml".to_owned());
        let text = std::fs::read_to_string(Path::new(&file)).map_err(|e| ConfigError::File {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        Self::from_sources(&file, &text, vars)
    }

    /// Builds the config from the file's text and a map of environment variables.
    pub fn from_sources(
        file: &str,
        file_text: &str,
        vars: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let env_var = format!("{PREFIX}ENV");
        let environment = match vars.get(&env_var).map(|s| s.trim()) {
            None | Some("") => {
                return Err(ConfigError::Invalid {
                    var: env_var,
                    reason: "not set; say which environment this is: local, test, staging or prod"
                        .to_owned(),
                })
            }
            Some(name) => Environment::parse(name).ok_or_else(|| ConfigError::Invalid {
                var: env_var.clone(),
                reason: format!("`{name}` is not one of local, test, staging, prod"),
            })?,
        };
        let defaults = file_defaults(file, file_text, environment)?;
        let mut source = Source {
            file,
            environment,
            deployed: environment.is_deployed(),
            defaults,
            vars,
        };

        source.deployed = source.deployed || source.boolean("deployed")?;
        // The keys that sign ID tokens, and the issuer they are checked against, are trusted
        // only over https when deployed.
        let issuer = source.secure_url("cognito_issuer")?;
        let jwks_url = match source.optional("cognito_jwks_url") {
            Some(_) => source.secure_url("cognito_jwks_url")?,
            None => issuer
                .join(&format!(
                    "{}/.well-known/jwks.json",
                    issuer.path().trim_end_matches('/')
                ))
                .map_err(|e| ConfigError::Invalid {
                    var: source.var("cognito_issuer"),
                    reason: e.to_string(),
                })?,
        };

        Ok(Self {
            environment,
            deployed: source.deployed,
            site_url: source.origin("site_url")?,
            table: TableConfig {
                name: source.table_name("table")?,
                endpoint: source.optional_url("dynamodb_endpoint")?,
            },
            cognito: CognitoConfig {
                issuer,
                domain: source.origin("cognito_domain")?,
                client_id: source.required("cognito_client_id")?,
                client_secret: source
                    .optional("cognito_client_secret")
                    .map(SecretString::from),
                jwks_url,
                api_endpoint: source.optional_url("cognito_api_endpoint")?,
                admin_group: source.group_name("admin_group")?,
            },
            mail: {
                let sender = source.required("mail_from")?;
                let team = source
                    .optional("contact_to")
                    .unwrap_or_else(|| address_of(&sender).to_owned());
                MailConfig {
                    region: source.required("ses_region")?,
                    endpoint: source.optional_url("ses_endpoint")?,
                    team: domain::Email::parse(&team)
                        .map_err(|e| source.invalid("contact_to", e.to_string()))?,
                    sender,
                    configuration_set: source.optional("ses_configuration_set"),
                }
            },
            log_format: match source.required("log_format")?.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(
                        source.invalid("log_format", format!("`{other}` is not text or json"))
                    )
                }
            },
            auto_migrate: source.boolean("auto_migrate")?,
            fetch: FetchConfig {
                allow: source.fetch_allow("fetch_allow")?,
            },
            catalogue_seed: source.optional("catalogue_seed").map(Into::into),
            client_ip_header: source.header_name("client_ip_header")?,
            client_ip_header_set: source.optional("client_ip_header").is_some(),
            request_timeout: std::time::Duration::from_millis(
                source.milliseconds("request_timeout_ms", 10_000)?,
            ),
            cookie_secret: source.cookie_secret("cookie_secret")?,
            origin_secrets: source.origin_secrets()?,
        })
    }
}

/// Reads `[env.<name>]` from the config file as strings.
fn file_defaults(
    file: &str,
    text: &str,
    environment: Environment,
) -> Result<HashMap<String, String>, ConfigError> {
    let err = |reason: String| ConfigError::File {
        file: file.to_owned(),
        reason,
    };
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.to_string()))?;
    let Some(table) = doc
        .get("env")
        .and_then(|env| env.get(environment.as_str()))
        .and_then(|t| t.as_table())
    else {
        return Ok(HashMap::new());
    };
    table
        .iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Integer(i) => i.to_string(),
                other => {
                    return Err(err(format!(
                        "[env.{}] {key}: unsupported value of type {}",
                        environment.as_str(),
                        other.type_str()
                    )))
                }
            };
            Ok((key.clone(), value))
        })
        .collect()
}

/// The environment variables over the file's defaults.
struct Source<'a> {
    file: &'a str,
    environment: Environment,
    deployed: bool,
    defaults: HashMap<String, String>,
    vars: &'a HashMap<String, String>,
}

impl Source<'_> {
    fn var(&self, key: &str) -> String {
        format!("{PREFIX}{}", key.to_ascii_uppercase())
    }

    fn invalid(&self, key: &str, reason: impl fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            var: self.var(key),
            reason: reason.to_string(),
        }
    }

    fn optional(&self, key: &str) -> Option<String> {
        self.vars
            .get(&self.var(key))
            .or_else(|| self.defaults.get(key))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, key: &'static str) -> Result<String, ConfigError> {
        self.optional(key).ok_or_else(|| ConfigError::Missing {
            var: self.var(key),
            key,
            env: self.environment.as_str(),
            file: self.file.to_owned(),
        })
    }

    fn url(&self, key: &'static str) -> Result<Url, ConfigError> {
        let raw = self.required(key)?;
        let url = Url::parse(&raw).map_err(|e| self.invalid(key, format!("`{raw}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(self.invalid(key, format!("`{raw}` is not an http(s) URL")));
        }
        Ok(url)
    }

    /// A URL that must use https when deployed.
    fn secure_url(&self, key: &'static str) -> Result<Url, ConfigError> {
        let url = self.url(key)?;
        if self.deployed && url.scheme() != "https" {
            return Err(self.invalid(key, "must use https when deployed"));
        }
        Ok(url)
    }

    fn optional_url(&self, key: &'static str) -> Result<Option<Url>, ConfigError> {
        match self.optional(key) {
            Some(_) => self.url(key).map(Some),
            None => Ok(None),
        }
    }

    /// A URL that must be a bare origin (scheme, host, port), as cookies and origin checks need.
    fn origin(&self, key: &'static str) -> Result<Url, ConfigError> {
        let url = self.url(key)?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(self.invalid(
                key,
                format!("`{url}` must be an origin only, like https://ewelists.com"),
            ));
        }
        if self.deployed && url.scheme() != "https" {
            return Err(self.invalid(key, "must use https when deployed"));
        }
        Ok(url)
    }

    fn table_name(&self, key: &'static str) -> Result<String, ConfigError> {
        let name = self.required(key)?;
        let valid = (3..=255).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            Ok(name)
        } else {
            Err(self.invalid(key, format!("`{name}` is not a DynamoDB table name")))
        }
    }

    /// A secret of at least 32 characters; made up at random where nothing is deployed and
    /// none is set.
    fn cookie_secret(&self, key: &'static str) -> Result<SecretString, ConfigError> {
        match self.optional(key) {
            Some(secret) if secret.chars().count() >= 32 => Ok(SecretString::from(secret)),
            Some(_) => Err(self.invalid(key, "must be at least 32 characters")),
            None if self.deployed => Err(ConfigError::Missing {
                var: self.var(key),
                key,
                env: self.environment.as_str(),
                file: self.file.to_owned(),
            }),
            None => {
                let bytes: [u8; 32] = rand::random();
                Ok(SecretString::from(
                    bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                ))
            }
        }
    }

    /// `origin_secret` and `origin_secret_previous`, each at least 32 characters. Behind
    /// CloudFront (its client-address header) when deployed, `origin_secret` is required:
    /// anyone could otherwise call the origin directly and write that header themselves.
    fn origin_secrets(&self) -> Result<Vec<SecretString>, ConfigError> {
        let mut secrets = Vec::new();
        for key in ["origin_secret", "origin_secret_previous"] {
            match self.optional(key) {
                Some(secret) if secret.chars().count() >= 32 => {
                    secrets.push(SecretString::from(secret));
                }
                Some(_) => return Err(self.invalid(key, "must be at least 32 characters")),
                None => {}
            }
        }
        let behind_cdn = self
            .optional("client_ip_header")
            .is_some_and(|h| h.eq_ignore_ascii_case("cloudfront-viewer-address"));
        if secrets.is_empty() && behind_cdn && self.deployed {
            return Err(ConfigError::Missing {
                var: self.var("origin_secret"),
                key: "origin_secret",
                env: self.environment.as_str(),
                file: self.file.to_owned(),
            });
        }
        Ok(secrets)
    }

    /// A comma-separated list of `host:port`, allowed only where nothing is deployed.
    fn fetch_allow(&self, key: &'static str) -> Result<Vec<String>, ConfigError> {
        let Some(list) = self.optional(key) else {
            return Ok(Vec::new());
        };
        if self.deployed {
            return Err(self.invalid(key, "only local and test may fetch from private addresses"));
        }
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let valid = entry
                    .rsplit_once(':')
                    .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
                if valid {
                    Ok(entry.to_owned())
                } else {
                    Err(self.invalid(key, format!("`{entry}` is not host:port")))
                }
            })
            .collect()
    }

    /// A user-pool group's name (1 to 128 characters, no spaces or control characters, as
    /// Cognito allows); `admin` when unset.
    fn group_name(&self, key: &'static str) -> Result<String, ConfigError> {
        let name = self.optional(key).unwrap_or_else(|| "admin".to_owned());
        let fits = (1..=128).contains(&name.chars().count())
            && !name.chars().any(|c| c.is_whitespace() || c.is_control());
        if fits {
            Ok(name)
        } else {
            Err(self.invalid(key, format!("`{name}` is not a user-pool group name")))
        }
    }

    /// An HTTP header's name, lower-cased.
    fn header_name(&self, key: &'static str) -> Result<Option<String>, ConfigError> {
        let Some(name) = self.optional(key) else {
            return Ok(None);
        };
        let name = name.to_ascii_lowercase();
        if name == "peer" {
            return Ok(None);
        }
        match axum::http::HeaderName::from_bytes(name.as_bytes()) {
            Ok(_) => Ok(Some(name)),
            Err(_) => Err(self.invalid(key, format!("`{name}` is not an HTTP header name"))),
        }
    }

    /// A whole number of milliseconds from 1 to an hour; `default` when unset.
    fn milliseconds(&self, key: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.optional(key) {
            None => Ok(default),
            Some(text) => match text.parse::<u64>() {
                Ok(ms) if (1..=3_600_000).contains(&ms) => Ok(ms),
                _ => Err(self.invalid(key, format!("`{text}` is not a number of milliseconds"))),
            },
        }
    }

    fn boolean(&self, key: &'static str) -> Result<bool, ConfigError> {
        match self.optional(key).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(self.invalid(key, format!("`{other}` is not true or false"))),
        }
    }
}

#[cfg(test)]
mod secret_and_fetch_tests {
    use super::*;
    use secrecy::ExposeSecret;

    /// Complete settings for `env`, plus `extra`.
    fn vars(env: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let site = if env == "prod" {
            "https://ewelists.com"
        } else {
            "http://localhost:3000"
        };
        [
            ("EWELISTS_ENV", env),
            ("EWELISTS_SITE_URL", site),
            ("EWELISTS_TABLE", "ewelists-test"),
            (
                "EWELISTS_COGNITO_ISSUER",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            ),
            ("EWELISTS_COGNITO_DOMAIN", "https://auth.example.com"),
            ("EWELISTS_COGNITO_CLIENT_ID", "client"),
            ("EWELISTS_SES_REGION", "us-east-1"),
            ("EWELISTS_MAIL_FROM", "Ewelists <hello@ewelists.test>"),
            ("EWELISTS_LOG_FORMAT", "text"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    #[test]
    fn the_cookie_secret_is_required_when_deployed_and_made_up_locally() {
        let missing = Config::from_sources("f", "", &vars("prod", &[])).unwrap_err();
        assert!(
            missing.to_string().contains("EWELISTS_COOKIE_SECRET"),
            "{missing}"
        );
        let short = Config::from_sources(
            "f",
            "",
            &vars("prod", &[("EWELISTS_COOKIE_SECRET", "short")]),
        )
        .unwrap_err();
        assert!(short.to_string().contains("at least 32"), "{short}");
        let given = "s".repeat(40);
        let prod = Config::from_sources(
            "f",
            "",
            &vars("prod", &[("EWELISTS_COOKIE_SECRET", &given)]),
        )
        .unwrap();
        assert_eq!(prod.cookie_secret.expose_secret(), given);
        let a = Config::from_sources("f", "", &vars("test", &[])).unwrap();
        let b = Config::from_sources("f", "", &vars("test", &[])).unwrap();
        assert_eq!(a.cookie_secret.expose_secret().len(), 64);
        assert_ne!(
            a.cookie_secret.expose_secret(),
            b.cookie_secret.expose_secret()
        );
    }

    #[test]
    fn a_test_environment_deployed_to_aws_is_held_to_a_deployed_site_s_rules() {
        // The template sets EWELISTS_DEPLOYED, so a `test` stack in AWS cannot make up its
        // secrets, use http, allow lookups of private addresses or trust any address header.
        let deployed = |extra: &[(&str, &str)]| {
            let mut all = vec![("EWELISTS_DEPLOYED", "true")];
            all.extend_from_slice(extra);
            Config::from_sources("f", "", &vars("test", &all))
        };
        let http = deployed(&[]).unwrap_err();
        assert!(http.to_string().contains("https"), "{http}");
        let no_secret =
            deployed(&[("EWELISTS_SITE_URL", "https://test.ewelists.com")]).unwrap_err();
        assert!(
            no_secret.to_string().contains("EWELISTS_COOKIE_SECRET"),
            "{no_secret}"
        );
        let cookie = "k".repeat(32);
        let https = [
            ("EWELISTS_COOKIE_SECRET", cookie.as_str()),
            ("EWELISTS_SITE_URL", "https://test.ewelists.com"),
        ];
        let config = deployed(&https).unwrap();
        assert!(config.deployed);
        // Serving needs the client-address source said, even as `peer`.
        let unsaid = config.check_serving().unwrap_err();
        assert!(
            unsaid.to_string().contains("EWELISTS_CLIENT_IP_HEADER"),
            "{unsaid}"
        );
        let peer = deployed(&[https[0], https[1], ("EWELISTS_CLIENT_IP_HEADER", "peer")]).unwrap();
        assert_eq!(peer.client_ip_header, None);
        assert_eq!(peer.check_serving(), Ok(()));
        let allow = deployed(&[
            https[0],
            https[1],
            ("EWELISTS_FETCH_ALLOW", "127.0.0.1:4567"),
        ]);
        assert!(allow.is_err());
        // The same environment on the local stack (not deployed) needs none of it.
        let local = Config::from_sources("f", "", &vars("test", &[])).unwrap();
        assert!(!local.deployed);
        assert_eq!(local.check_serving(), Ok(()));
    }

    #[test]
    fn behind_cloudfront_a_deployed_server_requires_the_origin_secret() {
        let cookie = "k".repeat(32);
        let with = |env: &str, extra: &[(&str, &str)]| {
            let mut all = vec![
                ("EWELISTS_COOKIE_SECRET", cookie.as_str()),
                ("EWELISTS_CLIENT_IP_HEADER", "CloudFront-Viewer-Address"),
            ];
            all.extend_from_slice(extra);
            Config::from_sources("f", "", &vars(env, &all))
        };
        let missing = with("prod", &[]).unwrap_err();
        assert!(
            missing.to_string().contains("EWELISTS_ORIGIN_SECRET"),
            "{missing}"
        );
        let short = with("prod", &[("EWELISTS_ORIGIN_SECRET", "short")]).unwrap_err();
        assert!(short.to_string().contains("at least 32"), "{short}");
        let (current, previous) = ("c".repeat(32), "p".repeat(40));
        let rotating = with(
            "prod",
            &[
                ("EWELISTS_ORIGIN_SECRET", &current),
                ("EWELISTS_ORIGIN_SECRET_PREVIOUS", &previous),
            ],
        )
        .unwrap();
        let values: Vec<&str> = rotating
            .origin_secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        assert_eq!(values, [current.as_str(), previous.as_str()]);
        // Locally nothing stands in front; no secret is needed.
        assert!(with("test", &[]).unwrap().origin_secrets.is_empty());
    }

    #[test]
    fn the_fetch_allow_list_is_host_port_pairs_for_tests_only() {
        let allow = |env: &str, list: &str| {
            Config::from_sources(
                "f",
                "",
                &vars(
                    env,
                    &[
                        ("EWELISTS_FETCH_ALLOW", list),
                        ("EWELISTS_COOKIE_SECRET", &"k".repeat(32)),
                    ],
                ),
            )
        };
        let config = allow("test", "127.0.0.1:4567, localhost:80").unwrap();
        assert_eq!(config.fetch.allow, ["127.0.0.1:4567", "localhost:80"]);
        assert!(allow("test", "").unwrap().fetch.allow.is_empty());
        let bad = allow("test", "127.0.0.1").unwrap_err();
        assert!(bad.to_string().contains("EWELISTS_FETCH_ALLOW"), "{bad}");
        let deployed = allow("prod", "127.0.0.1:4567").unwrap_err();
        assert!(
            deployed.to_string().contains("only local and test"),
            "{deployed}"
        );
    }
}

/// The address of a mailbox written `Name <address>` (or the text itself).
fn address_of(mailbox: &str) -> &str {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(start), Some(end)) if start < end => &mailbox[start + 1..end],
        _ => mailbox.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn the_team_is_mailed_at_the_sender_s_address_unless_told_otherwise() {
        assert_eq!(
            address_of("Ewelists <hello@ewelists.com>"),
            "hello@ewelists.com"
        );
        assert_eq!(address_of("hello@ewelists.com"), "hello@ewelists.com");
        let config = Config::from_sources("Leptos.toml", FILE, &local_vars()).unwrap();
        assert_eq!(config.mail.team.as_str(), "hello@ewelists.test");
        let mut vars = local_vars();
        vars.insert("EWELISTS_CONTACT_TO".into(), "team@ewelists.test".into());
        let config = Config::from_sources("Leptos.toml", FILE, &vars).unwrap();
        assert_eq!(config.mail.team.as_str(), "team@ewelists.test");
        vars.insert("EWELISTS_CONTACT_TO".into(), "not an address".into());
        let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
        assert!(err.to_string().contains("EWELISTS_CONTACT_TO"), "{err}");
    }

    #[test]
    fn admins_are_the_admin_group_unless_told_otherwise() {
        let config = Config::from_sources("Leptos.toml", FILE, &local_vars()).unwrap();
        assert_eq!(config.cognito.admin_group, "admin");
        let mut vars = local_vars();
        vars.insert("EWELISTS_ADMIN_GROUP".into(), "ewelists-team".into());
        let config = Config::from_sources("Leptos.toml", FILE, &vars).unwrap();
        assert_eq!(config.cognito.admin_group, "ewelists-team");
        for bad in ["two words", &"g".repeat(129), "tab\there"] {
            vars.insert("EWELISTS_ADMIN_GROUP".into(), bad.to_owned());
            let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
            assert!(err.to_string().contains("EWELISTS_ADMIN_GROUP"), "{err}");
        }
    }

    const FILE: &str = r#"
[env.local]
site_url = "http://localhost:3000"
table = "ewelists-local"
ses_region = "us-east-1"
mail_from = "Ewelists <hello@ewelists.test>"
log_format = "text"
auto_migrate = true

[env.prod]
log_format = "json"
"#;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn local_vars() -> HashMap<String, String> {
        vars(&[
            ("EWELISTS_ENV", "local"),
            (
                "EWELISTS_COGNITO_ISSUER",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            ),
            ("EWELISTS_COGNITO_DOMAIN", "http://localhost:4566"),
            ("EWELISTS_COGNITO_CLIENT_ID", "client"),
            ("EWELISTS_COGNITO_CLIENT_SECRET", "s3cret"),
        ])
    }

    #[test]
    fn file_defaults_and_variables_combine() {
        let config = Config::from_sources("Leptos.toml", FILE, &local_vars()).unwrap();
        assert_eq!(config.environment, Environment::Local);
        assert_eq!(config.site_url.as_str(), "http://localhost:3000/");
        assert_eq!(config.table.name, "ewelists-local");
        assert!(config.table.endpoint.is_none());
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(config.auto_migrate);
        assert_eq!(
            config.cognito.jwks_url.as_str(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/.well-known/jwks.json"
        );
        assert_eq!(
            config
                .cognito
                .client_secret
                .as_ref()
                .unwrap()
                .expose_secret(),
            "s3cret"
        );
    }

    #[test]
    fn variables_override_the_file() {
        let mut vars = local_vars();
        vars.insert("EWELISTS_TABLE".into(), "other-table".into());
        vars.insert("EWELISTS_LOG_FORMAT".into(), "json".into());
        vars.insert(
            "EWELISTS_DYNAMODB_ENDPOINT".into(),
            "http://127.0.0.1:8000".into(),
        );
        vars.insert(
            "EWELISTS_COGNITO_JWKS_URL".into(),
            "http://localhost:4566/pool/.well-known/jwks.json".into(),
        );
        let config = Config::from_sources("Leptos.toml", FILE, &vars).unwrap();
        assert_eq!(config.table.name, "other-table");
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.table.endpoint.unwrap().as_str(),
            "http://127.0.0.1:8000/"
        );
        assert_eq!(
            config.cognito.jwks_url.as_str(),
            "http://localhost:4566/pool/.well-known/jwks.json"
        );
    }

    #[test]
    fn a_missing_value_names_its_variable() {
        let mut vars = local_vars();
        vars.remove("EWELISTS_COGNITO_CLIENT_ID");
        let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Missing { var, .. } if var == "EWELISTS_COGNITO_CLIENT_ID")
        );
        assert!(err.to_string().contains("EWELISTS_COGNITO_CLIENT_ID"));
    }

    #[test]
    fn environment_is_required_and_checked() {
        let err = Config::from_sources("Leptos.toml", FILE, &HashMap::new()).unwrap_err();
        assert!(err.to_string().starts_with("EWELISTS_ENV"));
        let err = Config::from_sources("Leptos.toml", FILE, &vars(&[("EWELISTS_ENV", "dev")]))
            .unwrap_err();
        assert!(err.to_string().contains("`dev` is not one of"));
    }

    #[test]
    fn malformed_values_are_refused_by_name() {
        for (var, value, expected) in [
            ("EWELISTS_SITE_URL", "localhost:3000", "EWELISTS_SITE_URL"),
            (
                "EWELISTS_SITE_URL",
                "http://localhost:3000/app",
                "origin only",
            ),
            ("EWELISTS_TABLE", "bad table!", "EWELISTS_TABLE"),
            ("EWELISTS_LOG_FORMAT", "xml", "EWELISTS_LOG_FORMAT"),
            ("EWELISTS_AUTO_MIGRATE", "yes", "EWELISTS_AUTO_MIGRATE"),
            (
                "EWELISTS_DYNAMODB_ENDPOINT",
                "ftp://x",
                "EWELISTS_DYNAMODB_ENDPOINT",
            ),
        ] {
            let mut vars = local_vars();
            vars.insert(var.into(), value.into());
            let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
            assert!(err.to_string().contains(expected), "{var}={value}: {err}");
        }
    }

    #[test]
    fn deployed_environments_need_https() {
        let mut vars = local_vars();
        vars.insert("EWELISTS_ENV".into(), "prod".into());
        for (k, v) in [
            ("EWELISTS_SITE_URL", "http://ewelists.com"),
            ("EWELISTS_TABLE", "ewelists-prod"),
            ("EWELISTS_SES_REGION", "eu-west-1"),
            ("EWELISTS_MAIL_FROM", "Ewelists <hello@ewelists.com>"),
            (
                "EWELISTS_COGNITO_DOMAIN",
                "https://ewelists.auth.eu-west-1.amazoncognito.com",
            ),
            (
                "EWELISTS_COOKIE_SECRET",
                "a-test-value-that-is-long-enough-1234",
            ),
        ] {
            vars.insert(k.into(), v.into());
        }
        let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        vars.insert("EWELISTS_SITE_URL".into(), "https://ewelists.com".into());
        // The ID-token keys too.
        vars.insert(
            "EWELISTS_COGNITO_JWKS_URL".into(),
            "http://keys.example.com/jwks.json".into(),
        );
        let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
        assert!(
            err.to_string().contains("EWELISTS_COGNITO_JWKS_URL")
                && err.to_string().contains("https"),
            "{err}"
        );
        vars.remove("EWELISTS_COGNITO_JWKS_URL");
        let config = Config::from_sources("Leptos.toml", FILE, &vars).unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(!config.auto_migrate);
    }

    #[test]
    fn secrets_are_not_printed() {
        let config = Config::from_sources("Leptos.toml", FILE, &local_vars()).unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn the_client_ip_header_is_a_lower_cased_header_name() {
        let config = Config::from_sources("Leptos.toml", FILE, &local_vars()).unwrap();
        assert_eq!(config.client_ip_header, None);
        for (value, expected) in [
            (
                "CloudFront-Viewer-Address",
                Some("cloudfront-viewer-address"),
            ),
            (" x-forwarded-for ", Some("x-forwarded-for")),
            ("", None),
        ] {
            let mut vars = local_vars();
            vars.insert("EWELISTS_CLIENT_IP_HEADER".into(), value.into());
            let config = Config::from_sources("Leptos.toml", FILE, &vars).unwrap();
            assert_eq!(config.client_ip_header.as_deref(), expected, "{value:?}");
        }
        for value in ["x forwarded for", "x-forwarded-for:", "client\u{e9}"] {
            let mut vars = local_vars();
            vars.insert("EWELISTS_CLIENT_IP_HEADER".into(), value.into());
            let err = Config::from_sources("Leptos.toml", FILE, &vars).unwrap_err();
            assert!(
                err.to_string().contains("EWELISTS_CLIENT_IP_HEADER"),
                "{value:?}: {err}"
            );
        }
    }

    #[test]
    fn a_broken_file_is_reported() {
        let err = Config::from_sources("Leptos.toml", "[env.local", &local_vars()).unwrap_err();
        assert!(matches!(err, ConfigError::File { .. }));
    }
}
