//! Black-box tests of sign-in, sessions and the guards around the router: real requests
//! through the router, DynamoDB Local behind, and ministack's hosted sign-in page and user pool
//! where a test signs in for real.
//!
//! Needs the local stack (`./dev test`, or `scripts/stack.py --profile test -- cargo test`).

use crate::common::site::{self, get, post_from_site, post_with, Pool, Reply};
use app::account;
use app::error::AppError;
use axum::http::{header, StatusCode};
use domain::User;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::ServerFn;
use server::auth::secret::Secret;
use server::AppState;
use time::{Duration, OffsetDateTime};

const SITE: &str = "http://localhost:3000";
const SESSION: &str = "ewelists-session";
const SIGN_IN: &str = "ewelists-sign-in";

async fn local_site() -> AppState {
    site::migrated(site::config(
        "test",
        SITE,
        &site::unique_table("sign-in"),
        false,
    ))
    .await
}

/// A site that signs in through the stack's user pool (its callback is registered there).
async fn pool_site() -> AppState {
    let site_url = site::stack_var("EWELISTS_SITE_URL");
    site::migrated(site::config(
        "test",
        &site_url,
        &site::unique_table("sign-in"),
        true,
    ))
    .await
}

async fn session_for(state: &AppState, name: &str, expires_in: Duration) -> (String, User) {
    site::session_for(state, name, expires_in).await
}

fn app_error(reply: &Reply) -> AppError {
    AppError::de(reply.body.clone().into())
}

#[tokio::test]
async fn protected_server_functions_answer_401_without_a_session() {
    let state = local_site().await;
    let reply = post_from_site(&state, account::MyAccount::PATH, "", "").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(app_error(&reply), AppError::SignInRequired);
    // Public ones still answer.
    let viewer = post_from_site(&state, account::CurrentViewer::PATH, "", "").await;
    assert_eq!(viewer.status, StatusCode::OK);
    assert_eq!(viewer.body, "null");
}

#[tokio::test]
async fn a_forged_or_malformed_session_cookie_is_refused_and_cleared() {
    let state = local_site().await;
    let forged = format!("{SESSION}={}", Secret::generate().expose());
    for cookie in [
        forged.as_str(),
        "ewelists-session=not-a-session",
        "ewelists-session=",
    ] {
        let reply = post_from_site(&state, account::MyAccount::PATH, cookie, "").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert_eq!(app_error(&reply), AppError::SignInRequired);
        if cookie != "ewelists-session=" {
            assert_eq!(reply.cookie(SESSION).as_deref(), Some(""), "{cookie}");
        }
    }
}

#[tokio::test]
async fn a_valid_session_reaches_the_account() {
    let state = local_site().await;
    let (cookie, user) = session_for(&state, "Ann", Duration::days(30)).await;
    let reply = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let viewer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(viewer["name"], "Ann");
    assert_eq!(viewer["email"], user.email.as_str());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-store");

    let page = get(&state, "/account", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(user.email.as_str()), "{}", page.body);
    assert!(page.body.contains("Sign out"));
}

#[tokio::test]
async fn an_expired_session_is_signed_out() {
    let state = local_site().await;
    let (cookie, _) = session_for(&state, "Old", Duration::seconds(-1)).await;
    let reply = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.cookie(SESSION).as_deref(), Some(""));
}

#[tokio::test]
async fn a_session_in_use_slides_forward() {
    let state = local_site().await;
    // Expires in 10 days: older than a day since its last extension, so this use extends it.
    let (cookie, _) = session_for(&state, "Sam", Duration::days(10)).await;
    let reply = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let renewed = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SESSION))
        .expect("the cookie is renewed");
    let max_age: i64 = renewed
        .split("Max-Age=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((2_591_000..=2_592_000).contains(&max_age), "{renewed}"); // 30 days
    let id = Secret::parse(cookie.split('=').nth(1).unwrap()).unwrap();
    let stored = state
        .auth
        .session(&id, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.expires_at > OffsetDateTime::now_utc() + Duration::days(29));
    // Right after, no second write.
    let again = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert!(again.cookie(SESSION).is_none());
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_runs() {
    let state = local_site().await;
    let (cookie, _) = session_for(&state, "Ann", Duration::days(30)).await;
    for headers in [
        vec![(header::ORIGIN, "https://evil.example")],
        vec![(header::ORIGIN, "null")],
        vec![(header::REFERER, "https://evil.example/page")],
        vec![],
    ] {
        let reply = post_with(&state, account::MyAccount::PATH, &cookie, "", &headers).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(app_error(&reply), AppError::CrossSite);
        let sign_out = post_with(&state, "/auth/sign-out", &cookie, "", &headers).await;
        assert_eq!(sign_out.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    // The session survived all of that.
    let reply = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    // A Referer from the site itself is enough when Origin is missing.
    let referred = post_with(
        &state,
        account::MyAccount::PATH,
        &cookie,
        "",
        &[(header::REFERER, "http://localhost:3000/account")],
    )
    .await;
    assert_eq!(referred.status, StatusCode::OK);
}

#[tokio::test]
async fn owner_pages_send_signed_out_visitors_to_sign_in_and_back() {
    let state = local_site().await;
    let reply = get(&state, "/account", "").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/auth/sign-in?return_to=/account");
    let deep = get(&state, "/lists/abc/edit?tab=gifts", "").await;
    assert_eq!(
        deep.location(),
        "/auth/sign-in?return_to=/lists/abc/edit%3Ftab%3Dgifts"
    );
    // Public pages are not guarded.
    assert_eq!(get(&state, "/", "").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_in_goes_to_the_hosted_ui_with_pkce_state_and_nonce() {
    let state = local_site().await;
    let reply = get(&state, "/auth/sign-in?return_to=/account", "").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    let url = url::Url::parse(reply.location()).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        "https://ewelists.auth.us-east-1.amazoncognito.com/oauth2/authorize"
    );
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "client");
    assert_eq!(query["redirect_uri"], "http://localhost:3000/auth/callback");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["scope"], "openid email profile");
    assert!(query["nonce"].len() >= 43);
    // The state is bound to this browser by an HttpOnly cookie.
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SIGN_IN))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(reply.cookie(SIGN_IN).unwrap(), query["state"]);
    // A second sign-in gets fresh values.
    let other = get(&state, "/auth/sign-in", "").await;
    assert_ne!(other.cookie(SIGN_IN), reply.cookie(SIGN_IN));
}

#[tokio::test]
async fn an_open_redirect_is_not_possible() {
    let state = local_site().await;
    for target in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let start = get(&state, &format!("/auth/sign-in?return_to={encoded}"), "").await;
        assert_eq!(start.status, StatusCode::SEE_OTHER);
        // The pending sign-in remembers the owner's lists instead; checked through the stored
        // record.
        let state_value = start.cookie(SIGN_IN).unwrap();
        let login = state
            .auth
            .take_login(
                &Secret::parse(&state_value).unwrap(),
                OffsetDateTime::now_utc(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(login.return_to, "/lists", "{target}");
    }
}

#[tokio::test]
async fn a_callback_whose_state_is_not_this_browsers_is_refused() {
    let state = local_site().await;
    let start = get(&state, "/auth/sign-in", "").await;
    let state_value = start.cookie(SIGN_IN).unwrap();
    // No cookie (another browser), then a different cookie.
    let path = format!("/auth/callback?code=abc&state={state_value}");
    let reply = get(&state, &path, "").await;
    assert_eq!(reply.location(), "/sign-in/problem?error=expired");
    let other = format!("{SIGN_IN}={}", Secret::generate().expose());
    let reply = get(&state, &path, &other).await;
    assert_eq!(reply.location(), "/sign-in/problem?error=expired");
    // Both answers clear the binding cookie.
    assert_eq!(reply.cookie(SIGN_IN).as_deref(), Some(""));
}

#[tokio::test]
async fn a_state_works_once() {
    let state = local_site().await;
    let start = get(&state, "/auth/sign-in", "").await;
    let value = start.cookie(SIGN_IN).unwrap();
    let cookie = format!("{SIGN_IN}={value}");
    // The hosted UI reports that the person cancelled: the pending sign-in is used up.
    let first = get(
        &state,
        &format!(
            "/auth/callback?error=access_denied&error_description=User+cancelled&state={value}"
        ),
        &cookie,
    )
    .await;
    // Only the code goes on: the provider's words are logged, not shown.
    assert_eq!(first.location(), "/sign-in/problem?error=access_denied");
    // Replaying the same state (with a code this time) finds nothing pending.
    let replay = get(
        &state,
        &format!("/auth/callback?code=abc&state={value}"),
        &cookie,
    )
    .await;
    assert_eq!(replay.location(), "/sign-in/problem?error=expired");
}

#[tokio::test]
async fn the_problem_page_explains_in_its_own_words_with_a_way_back() {
    let state = local_site().await;
    // Anyone can make this link: its words must not appear on the site's page.
    let reply = get(
        &state,
        "/sign-in/problem?error=access_denied&error_description=Your+account+is+locked.+Call+%2B1+555+0100",
        "",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Sign-in was cancelled or refused."));
    assert!(
        reply.body.contains("href=\"/auth/sign-in\""),
        "{}",
        reply.body
    );
    // (The way back after signing in keeps the address, encoded, in a link: not shown.)
    assert!(
        !reply.body.contains("is locked") && !reply.body.contains("555 0100"),
        "{}",
        reply.body
    );
    // An unknown code gets a general sentence, not the code.
    let odd = get(&state, "/sign-in/problem?error=call_555_0100", "").await;
    assert!(odd.body.contains("The sign-in page reported a problem."));
    assert!(
        odd.body
            .contains("class=\"mt-4 text-stone-700\">The sign-in page reported a problem.</p>"),
        "{}",
        odd.body
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_at_the_hosted_ui() {
    let state = local_site().await;
    let (cookie, _) = session_for(&state, "Ann", Duration::days(30)).await;
    let reply = post_from_site(&state, "/auth/sign-out", &cookie, "").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.location(),
        "https://ewelists.auth.us-east-1.amazoncognito.com/logout?client_id=client&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F"
    );
    assert_eq!(reply.cookie(SESSION).as_deref(), Some(""));
    // The old cookie no longer works, even if the browser kept it.
    let after = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // Signing out over GET does nothing.
    assert_ne!(
        get(&state, "/auth/sign-out", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_sign_out_that_cannot_end_the_session_says_so() {
    let state = local_site().await;
    let (cookie, _) = session_for(&state, "Ann", Duration::days(30)).await;
    // The table goes away: the session can neither be checked nor deleted.
    state
        .dynamodb
        .delete_table()
        .table_name(state.config.table.name.as_str())
        .send()
        .await
        .expect("the table is deleted");
    let reply = post_from_site(&state, "/auth/sign-out", &cookie, "").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // Not sent on to the hosted UI as if all were well: told, in words.
    assert_eq!(reply.location(), "/sign-in/problem?error=sign_out");
    assert_eq!(reply.cookie(SESSION).as_deref(), Some(""));
    let page = get(&state, "/sign-in/problem?error=sign_out", "").await;
    assert!(
        page.body.contains("couldn't end the sign-in"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn starting_sign_ins_is_rate_limited_and_a_refused_start_stores_nothing() {
    use app::ports::LimitedAction;
    let state = site::with_quotas(local_site().await, &[(LimitedAction::SignIn, 2, 3600)]);
    site::clear_of_window_end(3600, 30).await;
    for _ in 0..2 {
        let start = get(&state, "/auth/sign-in", "").await;
        assert!(
            start.location().starts_with("https://"),
            "{}",
            start.location()
        );
        assert!(start.cookie(SIGN_IN).is_some());
    }
    let refused = get(&state, "/auth/sign-in", "").await;
    assert_eq!(refused.location(), "/sign-in/problem?error=busy");
    assert!(refused.cookie(SIGN_IN).is_none());
    let page = get(&state, "/sign-in/problem?error=busy", "").await;
    assert!(page.body.contains("a lot of sign-ins"), "{}", page.body);
}

#[tokio::test]
async fn https_sites_use_host_prefixed_secure_cookies() {
    let state = site::migrated(site::config(
        "staging",
        "https://staging.ewelists.com",
        &site::unique_table("sign-in"),
        false,
    ))
    .await;
    let reply = get(&state, "/auth/sign-in", "").await;
    let cookie = reply
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-ewelists-sign-in="))
        .expect("a __Host- cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"));
    // The plain name means nothing there.
    let forged = format!("{SESSION}={}", Secret::generate().expose());
    let page = get(&state, "/account", &forged).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

/// Signs in through the stack's hosted UI as `email`, returning the session cookie.
async fn sign_in_for_real(
    state: &AppState,
    email: &str,
    password: &str,
    return_to: &str,
) -> (Reply, String) {
    let start = get(state, &format!("/auth/sign-in?return_to={return_to}"), "").await;
    let binding = format!("{SIGN_IN}={}", start.cookie(SIGN_IN).unwrap());
    let hosted = site::hosted_sign_in(start.location(), email, password).await;
    let callback = hosted.location.unwrap_or_else(|| {
        panic!(
            "the hosted UI did not redirect: {} {}",
            hosted.status, hosted.body
        )
    });
    let site_url = state.config.site_url.as_str().trim_end_matches('/');
    let path = callback
        .strip_prefix(site_url)
        .unwrap_or_else(|| panic!("redirected elsewhere: {callback}"));
    let done = get(state, path, &binding).await;
    let session = done.cookie(SESSION).unwrap_or_default();
    (done, format!("{SESSION}={session}"))
}

#[tokio::test]
async fn a_real_sign_in_through_the_hosted_ui_creates_the_account_once() {
    let state = pool_site().await;
    let pool = Pool::from_stack();
    let email = format!("real-{}@example.com", uuid::Uuid::new_v4().simple());
    pool.add_user(&email, "Rae Real", "Right-pass-2026", true)
        .await;

    let (done, cookie) = sign_in_for_real(&state, &email, "Right-pass-2026", "/account").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/account");
    let account = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    assert!(account.body.contains("Rae Real") && account.body.contains(&email));

    // A second sign-in: the same account, a NEW session id, and no second welcome.
    // Started from the home page, it leads on to the owner's lists.
    let (again, second) = sign_in_for_real(&state, &email, "Right-pass-2026", "/").await;
    assert_eq!(again.location(), "/lists");
    assert_ne!(second, cookie);
    let welcome = site::mail_to(&state, &email).await;
    assert_eq!(welcome.len(), 1, "one welcome email: {welcome:?}");
    assert_eq!(welcome[0].subject, "Welcome to Ewelists");
    assert!(welcome[0].body_text.contains("Rae Real"));
    // Delivering again sends nothing more.
    assert_eq!(site::mail_to(&state, &email).await.len(), 1);

    // A wrong password stays on the hosted page with its error; nothing reaches the site.
    let start = get(&state, "/auth/sign-in", "").await;
    let wrong = site::hosted_sign_in(start.location(), &email, "Wrong-pass-2026").await;
    assert!(wrong.location.is_none(), "{:?}", wrong.location);
    assert!(
        wrong.body.to_lowercase().contains("incorrect"),
        "{}",
        wrong.body
    );
}

#[tokio::test]
async fn the_admin_group_read_at_sign_in_opens_the_tools() {
    let state = pool_site().await;
    let pool = Pool::from_stack();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let (ada, olive) = (
        format!("ada.{tag}@example.com"),
        format!("olive.{tag}@example.com"),
    );
    pool.add_user(&ada, "Ada Admin", "Right-pass-2026", true)
        .await;
    pool.add_user(&olive, "Olive Owner", "Right-pass-2026", true)
        .await;
    pool.add_to_group(&ada, &state.config.cognito.admin_group)
        .await;
    pool.add_to_group(&olive, "beta-testers").await;

    let (_, admin) = sign_in_for_real(&state, &ada, "Right-pass-2026", "/").await;
    let (_, owner) = sign_in_for_real(&state, &olive, "Right-pass-2026", "/").await;
    let tools = app::routes::ADMIN.path();
    assert_eq!(get(&state, tools, &admin).await.status, StatusCode::OK);
    let refused = get(&state, tools, &owner).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.body.contains("data-testid=\"admin\""));
}

#[tokio::test]
async fn gmail_and_googlemail_identities_share_one_account() {
    let state = pool_site().await;
    let pool = Pool::from_stack();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let gmail = format!("ann.lee.{tag}@gmail.com");
    let googlemail = format!("annlee{tag}@googlemail.com");
    pool.add_user(&gmail, "Ann Lee", "Right-pass-2026", true)
        .await;
    pool.add_user(&googlemail, "Ann L", "Right-pass-2026", true)
        .await;

    let (_, first) = sign_in_for_real(&state, &gmail, "Right-pass-2026", "/").await;
    let (_, second) = sign_in_for_real(&state, &googlemail, "Right-pass-2026", "/").await;
    let a = post_from_site(&state, account::MyAccount::PATH, &first, "").await;
    let b = post_from_site(&state, account::MyAccount::PATH, &second, "").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, b.body, "the same account");
    assert!(a.body.contains(&gmail));
}

#[tokio::test]
async fn an_unverified_email_never_joins_an_existing_account() {
    let state = pool_site().await;
    let pool = Pool::from_stack();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let verified = format!("cy.{tag}@gmail.com");
    let unverified = format!("cy{tag}@googlemail.com");
    pool.add_user(&verified, "Cy", "Right-pass-2026", true)
        .await;
    pool.add_user(&unverified, "Not Cy", "Right-pass-2026", false)
        .await;

    let (_, first) = sign_in_for_real(&state, &verified, "Right-pass-2026", "/").await;
    let (_, second) = sign_in_for_real(&state, &unverified, "Right-pass-2026", "/").await;
    let a = post_from_site(&state, account::MyAccount::PATH, &first, "").await;
    let b = post_from_site(&state, account::MyAccount::PATH, &second, "").await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert_ne!(a.body, b.body);
    assert!(b.body.contains("Not Cy"));
}

#[tokio::test]
async fn pages_let_forms_lead_to_the_hosted_ui_and_nowhere_else() {
    let state = local_site().await;
    let page = get(&state, "/", "").await;
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        policy.contains("form-action 'self' https://ewelists.auth.us-east-1.amazoncognito.com;"),
        "{policy}"
    );
}

#[tokio::test]
async fn an_owner_downloads_their_data_then_deletes_their_account_and_sign_in() {
    use app::owner;
    use leptos::server_fn::ServerFn;
    let state = pool_site().await;
    let pool = Pool::from_stack();
    let email = format!("leaving-{}@example.com", uuid::Uuid::new_v4().simple());
    pool.add_user(&email, "Lee Leaving", "Right-pass-2026", true)
        .await;
    let (_, cookie) = sign_in_for_real(&state, &email, "Right-pass-2026", "/").await;
    // A list with a gift, and a guest's reservation on it.
    let list: String = serde_json::from_str(
        &post_from_site(
            &state,
            owner::CreateList::PATH,
            &cookie,
            "title=Lee%27s+party&occasion=birthday",
        )
        .await
        .body,
    )
    .unwrap();
    let gift: String = serde_json::from_str(
        &post_from_site(
            &state,
            owner::AddGift::PATH,
            &cookie,
            &format!("list_id={list}&title=Kite&wanted=2"),
        )
        .await
        .body,
    )
    .unwrap();
    let reserved = post_from_site(
        &state,
        app::guest::Reserve::PATH,
        "",
        &format!("list_id={list}&gift_id={gift}&name=Gus&email=gus%40example.com&quantity=1"),
    )
    .await;
    assert_eq!(reserved.status, StatusCode::OK, "{}", reserved.body);

    // The download: everything the account holds, as a file.
    let data = get(&state, "/account/data", &cookie).await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.body);
    assert!(data.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let json: serde_json::Value = serde_json::from_str(&data.body).unwrap();
    assert_eq!(json["account"]["email"], email.as_str());
    assert_eq!(json["lists"][0]["list"]["details"]["title"], "Lee's party");
    assert_eq!(json["lists"][0]["gifts"][0]["product"]["title"], "Kite");
    // The default surprise setting shows counts, not names: no guest's name or email.
    assert!(
        !data.body.contains("Gus") && !data.body.contains("gus@"),
        "{}",
        data.body
    );
    // Signed out, there is nothing to download.
    assert_eq!(
        get(&state, "/account/data", "").await.status,
        StatusCode::SEE_OTHER
    );

    // Deleting needs the account's own email typed in.
    let wrong = post_from_site(
        &state,
        "/account/delete",
        &cookie,
        "confirm=someone%40example.com",
    )
    .await;
    assert_eq!(wrong.location(), "/account?delete_error=confirm");
    let page = get(&state, wrong.location(), &cookie).await;
    assert!(
        page.body.contains("please type your email address"),
        "{}",
        page.body
    );
    // (The page says only its own words, whatever the address carries.)
    let odd = get(&state, "/account?delete_error=Call+555", &cookie).await;
    assert!(!odd.body.contains("Call 555"), "{}", odd.body);

    let typed = email.to_uppercase();
    let deleted = post_from_site(
        &state,
        "/account/delete",
        &cookie,
        &format!("confirm={}", typed.replace('@', "%40")),
    )
    .await;
    assert_eq!(deleted.location(), "/?deleted=account", "{}", deleted.body);
    assert_eq!(deleted.cookie(SESSION).as_deref(), Some(""));
    let home = get(&state, "/?deleted=account", "").await;
    assert!(home.body.contains("have been deleted"), "{}", home.body);

    // The session, the list, its gift and the guest's reservation are gone.
    let after = post_from_site(&state, account::MyAccount::PATH, &cookie, "").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&state, &format!("/lists/{list}"), "").await.status,
        StatusCode::NOT_FOUND
    );
    let left = state
        .dynamodb
        .scan()
        .table_name(state.config.table.name.as_str())
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let kinds: Vec<String> = left
        .iter()
        .filter_map(|item| item.get("kind").and_then(|k| k.as_s().ok()).cloned())
        // The day's counts say how many, never who.
        .filter(|kind| !matches!(kind.as_str(), "mail" | "health" | "kpi"))
        .collect();
    assert!(kinds.is_empty(), "left behind: {kinds:?}");
    // And the sign-in itself: the hosted UI no longer knows the password's owner.
    let start = get(&state, "/auth/sign-in", "").await;
    let hosted = site::hosted_sign_in(start.location(), &email, "Right-pass-2026").await;
    assert!(hosted.location.is_none(), "{:?}", hosted.location);
}
