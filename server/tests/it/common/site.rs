//! The whole site under test: its configuration and state (DynamoDB Local and ministack from
//! the local stack behind), requests through the router, and the hosted sign-in page driven
//! like a browser would.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::config::Config;
use server::store::schema;
use server::{http, AppState};
use tower::ServiceExt;

/// A variable the local stack exports; the tests fail (not skip) without it.
pub fn stack_var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value,
        _ => panic!(
            "{name} is not set: run these tests under the local stack \
             (`./dev test`, or `python3 scripts/stack.py --profile test -- cargo test`)"
        ),
    }
}

/// The configuration of a site on `site` with its own `table`, signing in through the
/// stack's user pool when `real_sign_in`, else through a placeholder pool nobody calls.
pub fn config(environment: &str, site: &str, table: &str, real_sign_in: bool) -> Config {
    let mut vars: HashMap<String, String> = [
        ("EWELISTS_ENV", environment.to_owned()),
        ("EWELISTS_SITE_URL", site.to_owned()),
        ("EWELISTS_TABLE", table.to_owned()),
        (
            "EWELISTS_DYNAMODB_ENDPOINT",
            stack_var("EWELISTS_DYNAMODB_ENDPOINT"),
        ),
        (
            "EWELISTS_COGNITO_ISSUER",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test".to_owned(),
        ),
        (
            "EWELISTS_COGNITO_DOMAIN",
            "https://ewelists.auth.us-east-1.amazoncognito.com".to_owned(),
        ),
        ("EWELISTS_COGNITO_CLIENT_ID", "client".to_owned()),
        ("EWELISTS_SES_REGION", "us-east-1".to_owned()),
        (
            "EWELISTS_MAIL_FROM",
            "Ewelists <hello@ewelists.test>".to_owned(),
        ),
        ("EWELISTS_LOG_FORMAT", "text".to_owned()),
        // Required where deployed (staging here); a fixed test value, not a real secret.
        (
            "EWELISTS_COOKIE_SECRET",
            "test-only-cookie-signing-secret-0123456789".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if real_sign_in {
        for name in [
            "EWELISTS_COGNITO_ISSUER",
            "EWELISTS_COGNITO_DOMAIN",
            "EWELISTS_COGNITO_JWKS_URL",
            "EWELISTS_COGNITO_CLIENT_ID",
            "EWELISTS_COGNITO_CLIENT_SECRET",
            "EWELISTS_SES_ENDPOINT",
            "EWELISTS_SES_REGION",
            "EWELISTS_COGNITO_API_ENDPOINT",
        ] {
            vars.insert(name.to_owned(), stack_var(name));
        }
    }
    Config::from_sources("(test)", "", &vars).expect("test config is valid")
}

/// A new user named `name` (a unique `@example.com` address), signed up through the auth
/// store as a first sign-in would, with a session stored directly; returns the `Cookie`
/// header value that carries it on plain http, and the user.
pub async fn session_for(
    state: &AppState,
    name: &str,
    expires_in: time::Duration,
) -> (String, domain::User) {
    session_with(state, name, expires_in, false).await
}

/// [`session_for`] for a person in the admin group.
pub async fn admin_session(state: &AppState, name: &str) -> (String, domain::User) {
    session_with(state, name, time::Duration::hours(1), true).await
}

async fn session_with(
    state: &AppState,
    name: &str,
    expires_in: time::Duration,
    admin: bool,
) -> (String, domain::User) {
    let email = domain::Email::parse(&format!(
        "{}-{}@example.com",
        name.to_lowercase().replace(' ', "."),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ))
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let user = state
        .auth
        .sign_in(
            &server::store::users::Identity {
                issuer: "https://issuer.test".to_owned(),
                subject: uuid::Uuid::new_v4().to_string(),
                email,
                email_verified: true,
                name: domain::PersonName::parse(name).unwrap(),
            },
            now,
        )
        .await
        .unwrap()
        .user;
    let id = server::auth::secret::Secret::generate();
    state
        .auth
        .create_session(
            &id,
            &server::store::users::Session {
                user: user.clone(),
                admin,
                created_at: now,
                expires_at: now + expires_in,
            },
        )
        .await
        .unwrap();
    (format!("ewelists-session={}", id.expose()), user)
}

/// A fresh table name.
pub fn unique_table(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The site's state for `config` (its table is not created: see [`migrated`]).
pub async fn state(config: Config) -> AppState {
    // Static credentials for the local services when the environment has none.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        std::env::set_var("AWS_ACCESS_KEY_ID", "local");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "local");
    }
    if std::env::var_os("AWS_REGION").is_none() {
        std::env::set_var("AWS_REGION", "us-east-1");
    }
    // As deployed (`LEPTOS_ENV=PROD`): guest pages' policy by hashes, kept pages.
    let options = LeptosOptions::builder()
        .output_name("ewelists")
        .site_root("target/site")
        .env(leptos::config::Env::PROD)
        .build();
    AppState::connect(config, options)
        .await
        .expect("the adapters start")
}

/// The site's state with its table created.
pub async fn migrated(config: Config) -> AppState {
    let state = state(config).await;
    schema::migrate(&state.dynamodb, &state.config.table.name)
        .await
        .expect("the test table is created");
    state
}

/// `state` with its rate limits counted under these quotas (action, limit, window in seconds)
/// instead of the standard ones, so that a test reaches a limit in a few requests.
pub fn with_quotas(
    mut state: AppState,
    quotas: &[(app::ports::LimitedAction, u32, i64)],
) -> AppState {
    use server::limits::{Quota, Quotas, TableLimiter};
    let mut all = Quotas::standard();
    for &(action, limit, window_seconds) in quotas {
        all = all.with(
            action,
            Quota {
                limit,
                window_seconds,
            },
        );
    }
    let table = server::store::Table::new(state.dynamodb.clone(), state.config.table.name.clone());
    state.limits = std::sync::Arc::new(TableLimiter::new(
        server::store::limits::Counters::new(table),
        all,
    ));
    state.page_cache = std::sync::Arc::new(server::http::page_cache::PageCache::new(
        &all,
        state.remembered.clone(),
    ));
    state
}

/// One answer of the router.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location in a {} answer", self.status))
    }

    /// The `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The value this answer sets for cookie `name` (empty when it clears it).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        })
    }
}

/// A form body (`application/x-www-form-urlencoded`) of these fields.
pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The typed error a server function answered with.
pub fn error_of(reply: &Reply) -> app::error::AppError {
    use leptos::server_fn::error::FromServerFnError;
    app::error::AppError::de(reply.body.clone().into())
}

/// A server function's successful JSON answer.
pub fn json<T: serde::de::DeserializeOwned>(reply: &Reply) -> T {
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{} {}",
        reply.status,
        reply.body
    );
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

/// Sends `request` through a fresh router on `state`. A request that takes more than 30 s
/// fails the test (instead of hanging the run).
pub async fn send(state: &AppState, request: Request<Body>) -> Reply {
    let what = format!("{} {}", request.method(), request.uri().path());
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        http::router(state.clone()).oneshot(request),
    )
    .await
    .unwrap_or_else(|_| panic!("{what} took more than 30 s"))
    .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A GET with the given cookies (`name=value; …`, may be empty).
pub async fn get(state: &AppState, path: &str, cookies: &str) -> Reply {
    let mut request = Request::get(path);
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies);
    }
    send(state, request.body(Body::empty()).unwrap()).await
}

/// A POST as a page of the site sends it (`Origin` = the site), with the given cookies and a
/// form body.
pub async fn post_from_site(state: &AppState, path: &str, cookies: &str, form: &str) -> Reply {
    let origin = state.config.site_url.origin().ascii_serialization();
    post_with(
        state,
        path,
        cookies,
        form,
        &[(header::ORIGIN, origin.as_str())],
    )
    .await
}

/// A POST with the given extra headers.
pub async fn post_with(
    state: &AppState,
    path: &str,
    cookies: &str,
    form: &str,
    headers: &[(header::HeaderName, &str)],
) -> Reply {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies);
    }
    for (name, value) in headers {
        request = request.header(name.clone(), *value);
    }
    send(state, request.body(Body::from(form.to_owned())).unwrap()).await
}

/// The user pool of the local stack, through ministack's Cognito API.
pub struct Pool {
    endpoint: String,
    pool_id: String,
    http: reqwest::Client,
}

impl Pool {
    pub fn from_stack() -> Self {
        let issuer = stack_var("EWELISTS_COGNITO_ISSUER");
        Self {
            endpoint: stack_var("EWELISTS_TEST_MINISTACK"),
            pool_id: issuer.rsplit('/').next().unwrap().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, op: &str, body: serde_json::Value) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{op}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// A new, empty pool on the same stand-in, signing in by email as the site's does.
    pub async fn create(&self, name: &str) -> Self {
        let created = self
            .call(
                "CreateUserPool",
                serde_json::json!({"PoolName": name, "UsernameAttributes": ["email"]}),
            )
            .await;
        Self {
            endpoint: self.endpoint.clone(),
            pool_id: created["UserPool"]["Id"].as_str().unwrap().to_owned(),
            http: self.http.clone(),
        }
    }

    /// The issuer of this pool's tokens (`EWELISTS_COGNITO_ISSUER` for it).
    pub fn issuer(&self) -> String {
        let region = self.pool_id.split('_').next().unwrap();
        format!(
            "https://cognito-idp.{region}.amazonaws.com/{}",
            self.pool_id
        )
    }

    /// Puts `username` in `group`, making the group first if needed.
    pub async fn add_to_group(&self, username: &str, group: &str) {
        let body = serde_json::json!({"UserPoolId": self.pool_id, "GroupName": group});
        let _ = self.try_call("CreateGroup", body).await;
        self.call(
            "AdminAddUserToGroup",
            serde_json::json!({"UserPoolId": self.pool_id, "Username": username, "GroupName": group}),
        )
        .await;
    }

    /// The user signing in as `email` (AdminGetUser), if any.
    pub async fn user(&self, email: &str) -> Option<serde_json::Value> {
        self.try_call(
            "AdminGetUser",
            serde_json::json!({"UserPoolId": self.pool_id, "Username": email}),
        )
        .await
    }

    /// The groups `username` is in.
    pub async fn groups(&self, username: &str) -> Vec<String> {
        let out = self
            .call(
                "AdminListGroupsForUser",
                serde_json::json!({"UserPoolId": self.pool_id, "Username": username}),
            )
            .await;
        out["Groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(|g| g["GroupName"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn try_call(&self, op: &str, body: serde_json::Value) -> Option<serde_json::Value> {
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        if !response.status().is_success() {
            return None;
        }
        serde_json::from_str(&response.text().await.unwrap()).ok()
    }

    /// A confirmed user with this email, name and password; `verified` sets `email_verified`.
    pub async fn add_user(&self, email: &str, name: &str, password: &str, verified: bool) {
        self.call(
            "AdminCreateUser",
            serde_json::json!({
                "UserPoolId": self.pool_id,
                "Username": email,
                "MessageAction": "SUPPRESS",
                "UserAttributes": [
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": if verified { "true" } else { "false" }},
                    {"Name": "name", "Value": name},
                ],
            }),
        )
        .await;
        self.call(
            "AdminSetUserPassword",
            serde_json::json!({
                "UserPoolId": self.pool_id,
                "Username": email,
                "Password": password,
                "Permanent": true,
            }),
        )
        .await;
    }
}

/// Fills in the hosted sign-in page at `authorize_url` as a browser would and returns where
/// it sends the browser next (the site's callback, when the password is right).
pub async fn hosted_sign_in(authorize_url: &str, email: &str, password: &str) -> HostedAnswer {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(authorize_url).send().await.unwrap();
    assert!(page.status().is_success(), "authorize: {}", page.status());
    let base = page.url().clone();
    let html = page.text().await.unwrap();
    let form = html
        .split("<form")
        .nth(1)
        .unwrap_or_else(|| panic!("no form on the sign-in page: {html}"));
    let action = attribute(form.split('>').next().unwrap(), "action").unwrap_or_default();
    let mut fields: Vec<(String, String)> = form
        .split("<input")
        .skip(1)
        .filter_map(|input| {
            let tag = input.split('>').next().unwrap();
            let kind = attribute(tag, "type").unwrap_or_default();
            (kind == "hidden").then(|| {
                (
                    attribute(tag, "name").unwrap_or_default(),
                    attribute(tag, "value").unwrap_or_default(),
                )
            })
        })
        .collect();
    fields.push(("username".into(), email.into()));
    fields.push(("password".into(), password.into()));
    let target = base.join(&action).unwrap();
    let answer = http.post(target).form(&fields).send().await.unwrap();
    let status = answer.status();
    let location = answer
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = answer.text().await.unwrap();
    HostedAnswer {
        status,
        location,
        body,
    }
}

/// What the hosted sign-in page answered to the form.
pub struct HostedAnswer {
    pub status: reqwest::StatusCode,
    pub location: Option<String>,
    pub body: String,
}

/// An attribute's value in one tag (double-quoted, HTML entities for `&` and quotes undone).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// One message of the stack's mail outbox (`GET /_ministack/ses/messages`).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SentMail {
    pub source: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

#[derive(serde::Deserialize)]
struct Outbox {
    /// By account id.
    messages: HashMap<String, Vec<SentMail>>,
}

/// Delivers every mail due in the site's outbox (as the server's courier would), then every
/// message the stack's mail service holds for `to`.
pub async fn mail_to(state: &AppState, to: &str) -> Vec<SentMail> {
    state
        .courier
        .deliver_all_due(time::OffsetDateTime::now_utc())
        .await
        .expect("the outbox is readable");
    outbox_for(to).await
}

/// Waits, when fewer than `margin` seconds are left of the current window of `seconds`
/// (windows are aligned on the epoch, as the rate limits' are), until the next one starts, so
/// that a test counting against a quota stays inside one window.
pub async fn clear_of_window_end(seconds: u64, margin: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let left = seconds as f64 - now % seconds as f64;
    if left < margin as f64 {
        tokio::time::sleep(std::time::Duration::from_secs_f64(left + 0.05)).await;
    }
}

/// Every message in the stack's mail outbox sent to `to`, in any account.
pub async fn outbox_for(to: &str) -> Vec<SentMail> {
    outbox_all()
        .await
        .into_iter()
        .filter(|m| m.to.iter().any(|a| a == to))
        .collect()
}

/// Every message in the stack's mail outbox, in any account.
pub async fn outbox_all() -> Vec<SentMail> {
    let url = format!(
        "{}/_ministack/ses/messages",
        stack_var("EWELISTS_TEST_MINISTACK").trim_end_matches('/')
    );
    let outbox: Outbox = reqwest::get(&url)
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .expect("the outbox as JSON");
    outbox.messages.into_values().flatten().collect()
}
