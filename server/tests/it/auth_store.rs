//! Contract tests of the sign-in store (pending sign-ins, sessions, users), against DynamoDB
//! Local.
//!
//! Every test makes its own table, so they run in parallel. They need
//! `EWELISTS_DYNAMODB_ENDPOINT` (set by `./dev test`) and FAIL without it.

use std::collections::HashSet;
use std::sync::Arc;

use crate::common::{fixture, now, number, text, Fixture};
use app::ports::StoreError;
use domain::{Email, PersonName, User, UserId};
use server::auth::secret::Secret;
use server::store::users::{Identity, PendingLogin, Session, SignedIn, UserStore};
use time::{Duration, OffsetDateTime};

const ISSUER: &str = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_test";

fn auth(f: &Fixture) -> UserStore {
    UserStore::new(f.client.clone(), f.table.clone())
}

/// The clock to the whole second, as the store keeps expiries.
fn second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).expect("zero nanoseconds")
}

fn login(expires_at: OffsetDateTime) -> PendingLogin {
    PendingLogin {
        pkce_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
        nonce: "n-0S6_WzA2Mj".into(),
        return_to: "/lists".into(),
        expires_at: second(expires_at),
    }
}

fn identity(subject: &str, email: &str, verified: bool) -> Identity {
    Identity {
        issuer: ISSUER.into(),
        subject: subject.into(),
        email: Email::parse(email).expect("an email"),
        email_verified: verified,
        name: PersonName::parse("Ann Lee").expect("a name"),
    }
}

fn session_of(user: User, created_at: OffsetDateTime, lasts: Duration) -> Session {
    Session {
        user,
        admin: false,
        created_at,
        expires_at: second(created_at + lasts),
    }
}

fn sample_user() -> User {
    User {
        id: UserId::generate(),
        display_name: PersonName::parse("Ann Lee").unwrap(),
        email: Email::parse("ann@example.com").unwrap(),
    }
}

// ---- Pending sign-ins ----

#[tokio::test]
async fn a_pending_sign_in_is_taken_once() {
    let f = fixture("auth-login").await;
    let store = auth(&f);
    let t = now();
    let state = Secret::generate();
    let pending = login(t + Duration::minutes(10));
    store.put_login(&state, &pending).await.unwrap();

    // Only the hash of the state is in the table.
    let items = f.raw_scan().await;
    assert_eq!(items.len(), 1);
    assert_eq!(text(&items[0], "pk"), format!("LOGIN#{}", state.hash()));
    assert!(!format!("{items:?}").contains(&state.expose()));

    assert_eq!(store.take_login(&state, t).await.unwrap(), Some(pending));
    assert_eq!(store.take_login(&state, t).await.unwrap(), None);
    assert!(f.raw_scan().await.is_empty());
    // A state nobody stored.
    assert_eq!(
        store.take_login(&Secret::generate(), t).await.unwrap(),
        None
    );
    f.drop_table().await;
}

#[tokio::test]
async fn an_expired_pending_sign_in_is_not_returned_and_is_deleted() {
    let f = fixture("auth-login-expired").await;
    let store = auth(&f);
    let t = now();
    let state = Secret::generate();
    let pending = login(t + Duration::minutes(10));
    store.put_login(&state, &pending).await.unwrap();
    assert_eq!(
        store.take_login(&state, pending.expires_at).await.unwrap(),
        None
    );
    assert!(f.raw_scan().await.is_empty());
    // Putting the same state twice is refused.
    store.put_login(&state, &pending).await.unwrap();
    assert_eq!(
        store.put_login(&state, &pending).await,
        Err(StoreError::Conflict)
    );
    f.drop_table().await;
}

// ---- Sessions ----

#[tokio::test]
async fn sessions_are_created_read_extended_and_deleted() {
    let f = fixture("auth-session").await;
    let store = auth(&f);
    let t = now();
    let id = Secret::generate();
    let session = session_of(sample_user(), t, Duration::days(30));
    store.create_session(&id, &session).await.unwrap();

    // One item, keyed by the hash, with the TTL attribute as epoch seconds.
    let items = f.raw_scan().await;
    assert_eq!(items.len(), 1);
    assert_eq!(text(&items[0], "pk"), format!("SESSION#{}", id.hash()));
    assert_eq!(
        crate::common::number(&items[0], "expires_at"),
        session.expires_at.unix_timestamp() as u64
    );
    assert!(!format!("{items:?}").contains(&id.expose()));

    assert_eq!(store.session(&id, t).await.unwrap(), Some(session.clone()));
    assert_eq!(store.session(&Secret::generate(), t).await.unwrap(), None);
    // Expired at its expiry, even while the item is still in the table.
    assert_eq!(store.session(&id, session.expires_at).await.unwrap(), None);

    // The same id again is refused, and the first session is untouched.
    let other = session_of(sample_user(), t, Duration::days(1));
    assert_eq!(
        store.create_session(&id, &other).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.session(&id, t).await.unwrap(), Some(session.clone()));

    // Sliding expiry.
    let later = second(t + Duration::days(45));
    store.extend_session(&id, later).await.unwrap();
    let extended = store
        .session(&id, session.expires_at)
        .await
        .unwrap()
        .expect("still signed in after the old expiry");
    assert_eq!(extended.expires_at, later);
    assert_eq!(extended.user, session.user);
    assert_eq!(extended.created_at, session.created_at);

    // Signing out, twice.
    store.delete_session(&id).await.unwrap();
    store.delete_session(&id).await.unwrap();
    assert_eq!(store.session(&id, t).await.unwrap(), None);
    // Extending a deleted session does not bring it back.
    store.extend_session(&id, later).await.unwrap();
    assert_eq!(store.session(&id, t).await.unwrap(), None);
    assert!(f.raw_scan().await.is_empty());
    f.drop_table().await;
}

// ---- Users ----

#[tokio::test]
async fn the_first_sign_in_creates_the_account_and_the_next_one_finds_it() {
    let f = fixture("auth-signin").await;
    let store = auth(&f);
    let ann = identity("sub-ann", "Ann.Lee@gmail.com", true);
    let first = store.sign_in(&ann, now()).await.unwrap();
    assert!(first.created);
    assert_eq!(first.user.display_name.as_str(), "Ann Lee");
    assert_eq!(first.user.email.as_str(), "ann.lee@gmail.com");
    assert_eq!(
        store.user(&first.user.id).await.unwrap(),
        Some(first.user.clone())
    );
    assert_eq!(store.user(&UserId::generate()).await.unwrap(), None);

    // The stored name and email stay, whatever the provider says next time.
    let mut renamed = ann.clone();
    renamed.name = PersonName::parse("Annie").unwrap();
    renamed.email = Email::parse("annie@example.com").unwrap();
    let again = store.sign_in(&renamed, now()).await.unwrap();
    assert_eq!(
        again,
        SignedIn {
            user: first.user.clone(),
            created: false
        }
    );

    // User, identity, verified mailbox, the welcome mail (queued once) and the day's count.
    let items = f.raw_scan().await;
    let mut kinds: Vec<&str> = items.iter().map(|i| text(i, "kind")).collect();
    kinds.sort();
    assert_eq!(kinds, ["identity", "kpi", "mail", "mailbox", "user"]);
    assert!(!format!("{items:?}").contains("IDENTITY#sub-ann"));
    f.drop_table().await;
}

#[tokio::test]
async fn a_second_identity_with_the_same_verified_mailbox_links_to_the_account() {
    let f = fixture("auth-link").await;
    let store = auth(&f);
    let first = store
        .sign_in(&identity("google-1", "ann.lee@gmail.com", true), now())
        .await
        .unwrap();
    let linked = store
        .sign_in(&identity("cognito-2", "annlee@googlemail.com", true), now())
        .await
        .unwrap();
    assert_eq!(
        linked,
        SignedIn {
            user: first.user.clone(),
            created: false
        }
    );
    // The link is stored: the second identity now signs in without the mailbox.
    let again = store
        .sign_in(&identity("cognito-2", "someone@example.com", false), now())
        .await
        .unwrap();
    assert_eq!(again.user.id, first.user.id);
    assert!(!again.created);
    f.drop_table().await;
}

#[tokio::test]
async fn an_unverified_email_never_links_nor_claims_the_mailbox() {
    let f = fixture("auth-unverified").await;
    let store = auth(&f);

    // Someone claims Ann's address without proving it, before Ann ever signs in.
    let squatter = store
        .sign_in(&identity("squatter", "ann.lee@gmail.com", false), now())
        .await
        .unwrap();
    assert!(squatter.created);
    // Ann, verified, gets her own account, and her mailbox.
    let ann = store
        .sign_in(&identity("ann", "annlee@googlemail.com", true), now())
        .await
        .unwrap();
    assert!(ann.created);
    assert_ne!(ann.user.id, squatter.user.id);

    // Another unverified identity with Ann's mailbox: a new account, not Ann's.
    let other = store
        .sign_in(&identity("other", "Ann.Lee+x@gmail.com", false), now())
        .await
        .unwrap();
    assert!(other.created);
    assert_ne!(other.user.id, ann.user.id);
    assert_ne!(other.user.id, squatter.user.id);

    // A later verified identity still links to Ann.
    let later = store
        .sign_in(&identity("ann-again", "ann.lee@gmail.com", true), now())
        .await
        .unwrap();
    assert_eq!(later.user.id, ann.user.id);
    assert!(!later.created);

    let items = f.raw_scan().await;
    let mailboxes: Vec<_> = items
        .iter()
        .filter(|i| text(i, "kind") == "mailbox")
        .collect();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(text(mailboxes[0], "pk"), "MAILBOX#annlee@gmail.com");
    assert_eq!(text(mailboxes[0], "user_id"), ann.user.id.as_str());
    f.drop_table().await;
}

/// Runs every sign-in at once; returns what each one answered.
async fn race(store: &Arc<UserStore>, identities: Vec<Identity>) -> Vec<SignedIn> {
    let tasks: Vec<_> = identities
        .into_iter()
        .map(|identity| {
            let store = Arc::clone(store);
            tokio::spawn(async move { store.sign_in(&identity, now()).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task").expect("sign in"));
    }
    results
}

fn assert_one_account(results: &[SignedIn]) -> UserId {
    let ids: HashSet<UserId> = results.iter().map(|r| r.user.id).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(
        results.iter().filter(|r| r.created).count(),
        1,
        "{results:?}"
    );
    *ids.iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_first_sign_ins_of_one_identity_make_one_account() {
    let f = fixture("auth-race-identity").await;
    let store = Arc::new(auth(&f));
    let ann = identity("sub-race", "race@example.com", true);
    let results = race(&store, vec![ann; 8]).await;
    let id = assert_one_account(&results);
    let items = f.raw_scan().await;
    assert_eq!(
        items.iter().filter(|i| text(i, "kind") == "user").count(),
        1
    );
    assert!(store.user(&id).await.unwrap().is_some());
    f.drop_table().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_first_sign_ins_of_one_verified_mailbox_make_one_account() {
    let f = fixture("auth-race-mailbox").await;
    let store = Arc::new(auth(&f));
    let spellings = [
        "ann.lee@gmail.com",
        "annlee@googlemail.com",
        "Ann.Lee+gifts@gmail.com",
    ];
    let identities = (0..8)
        .map(|i| identity(&format!("sub-{i}"), spellings[i % spellings.len()], true))
        .collect();
    let results = race(&store, identities).await;
    let id = assert_one_account(&results);
    let items = f.raw_scan().await;
    let count = |kind: &str| items.iter().filter(|i| text(i, "kind") == kind).count();
    assert_eq!(count("user"), 1);
    assert_eq!(count("mailbox"), 1);
    assert_eq!(count("identity"), 8);
    // One account, so one welcome mail, and one sign-up counted.
    assert_eq!(count("mail"), 1);
    let sign_ups: u64 = items
        .iter()
        .filter(|i| text(i, "kind") == "kpi")
        .map(|i| number(i, "sign-ups"))
        .sum();
    assert_eq!(sign_ups, 1);
    assert!(items
        .iter()
        .filter(|i| !["user", "mail", "kpi"].contains(&text(i, "kind")))
        .all(|i| text(i, "user_id") == id.as_str()));
    f.drop_table().await;
}
