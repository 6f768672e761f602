//! Ewelists' server: configuration, the HTTP router around the Leptos app, and the adapters
//! (storage, sign-in, mail) that the app's server functions use.

// Rendering the app's view types nests deeply.
#![recursion_limit = "256"]

pub mod account;
pub mod auth;
pub mod backup;
pub mod catalogue;
pub mod config;
pub mod fetch;
pub mod http;
pub mod lambda;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod secrets;
pub mod store;
pub mod sweep;
pub mod telemetry;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::auth::cognito::Cognito;
use crate::config::Config;
use crate::http::cookies::Cookies;
use crate::store::users::UserStore;
use secrecy::ExposeSecret;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Lists, gifts, reservations and the catalogue (the DynamoDB adapter of the app's port).
    pub store: Arc<dyn app::ports::Store>,
    /// The team's tools (counts, the not-found queue, the catalogue editor, the audit trail).
    pub tools: Arc<dyn app::ports::Tools>,
    /// Users, sessions and sign-ins in progress.
    pub auth: Arc<UserStore>,
    /// The hosted sign-in (Cognito).
    pub cognito: Arc<Cognito>,
    /// The user pool's admin API (deleting an account's sign-in).
    pub pool: Arc<auth::pool::UserPool>,
    /// Delivers the outbox's mails through SES (run in the background by `server serve`).
    pub courier: mail::Courier,
    /// Reads product details from shops' pages.
    pub shop_pages: Arc<dyn app::ports::PageReader>,
    /// Rate limits (counted in the table).
    pub limits: Arc<dyn app::ports::RateLimiter>,
    /// The guests' signed cookie of reservation tokens.
    pub remembered: Arc<dyn app::ports::RememberedReservations>,
    /// The public list page, kept for visitors who bring nothing of their own.
    pub page_cache: Arc<http::page_cache::PageCache>,
}

/// The AWS configuration of this server: the standard chain for credentials and region, an
/// HTTP client of its own (so its connection pool belongs to the runtime that uses it), and
/// time limits, so that a stuck connection fails the request instead of hanging it.
pub async fn aws_sdk_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(5))
        .operation_timeout(std::time::Duration::from_secs(15))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .load()
        .await
}

/// The server could not set up its adapters.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the sign-in addresses derived from the configuration are not valid: {0}")]
    SignInUrls(#[from] url::ParseError),
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(#[from] reqwest::Error),
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Connects the adapters described by `config`.
    pub async fn connect(
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartError> {
        Self::connect_with(&aws_sdk_config().await, config, leptos_options).await
    }

    /// As [`AppState::connect`], with AWS clients made from `sdk`.
    pub async fn connect_with(
        sdk: &aws_config::SdkConfig,
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartError> {
        let dynamodb = store::client(sdk, &config.table).await;
        let store = Arc::new(store::DynamoStore::new(
            dynamodb.clone(),
            config.table.name.clone(),
        ));
        let auth = Arc::new(UserStore::new(dynamodb.clone(), config.table.name.clone()));
        let cognito = Arc::new(Cognito::new(&config, auth::cognito::http_client()?)?);
        let pool = Arc::new(auth::pool::UserPool::new(sdk, &config.cognito));
        let mailer = Arc::new(
            mail::SesMailer::new(
                mail::client(sdk, &config.mail).await,
                config.mail.sender.clone(),
                config.site_url.clone(),
            )
            .with_configuration_set(config.mail.configuration_set.clone()),
        );
        let table = || store::Table::new(dynamodb.clone(), config.table.name.clone());
        let limits: Arc<dyn app::ports::RateLimiter> = Arc::new(limits::TableLimiter::new(
            store::limits::Counters::new(table()),
            limits::Quotas::standard(),
        ));
        let courier = mail::Courier::new(Arc::new(store::outbox::Outbox::new(table())), mailer)
            .with_pacing(limits.clone());
        let tools = Arc::new(store::tools::ToolStore::new(table()));
        let shop_pages = Arc::new(fetch::SafeFetcher::new(&config.fetch)?);
        let cookies = Cookies::new(config.site_url.scheme() == "https");
        let remembered = Arc::new(http::cookies::Remembered::new(
            config.cookie_secret.expose_secret().as_bytes(),
            cookies,
        ));
        let page_cache = Arc::new(http::page_cache::PageCache::new(
            &limits::Quotas::standard(),
            remembered.clone(),
        ));
        Ok(Self {
            leptos_options,
            config: Arc::new(config),
            dynamodb,
            store,
            tools,
            auth,
            cognito,
            pool,
            courier,
            shop_pages,
            limits,
            remembered,
            page_cache,
        })
    }

    /// What the app's server functions reach (provided to them as context).
    pub fn services(&self) -> app::ports::Services {
        app::ports::Services {
            store: self.store.clone(),
            tools: self.tools.clone(),
            shop_pages: self.shop_pages.clone(),
            directory: self.auth.clone(),
            limits: self.limits.clone(),
            remembered: self.remembered.clone(),
            site_url: self
                .config
                .site_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            team_email: self.config.mail.team.clone(),
        }
    }

    /// The site's cookies: `Secure` with the `__Host-` prefix on https, plain on local http.
    pub fn cookies(&self) -> Cookies {
        Cookies::new(self.config.site_url.scheme() == "https")
    }
}
