//! [`UserStore`]: accounts and sign-in state in the one table: users, the identities and
//! verified mailboxes that lead to a user, sessions, and pending sign-ins.
//!
//! The items follow the table's conventions (a `kind` and a version `v` on every item, every
//! value decoded through the domain's parsers, see [`super::codec`]). Secrets never reach the
//! table: a session id or a sign-in `state` is stored as [`Secret::hash`] only. Pending
//! sign-ins and sessions carry the table's TTL attribute (`expires_at`, epoch seconds), and
//! every read still compares it with the clock, because DynamoDB removes expired items late.
//! See "Users, identities and sessions" in `docs/data-model.md`.

use std::fmt;

use app::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::{Email, PersonName, User, UserId};
use time::OffsetDateTime;

use super::codec::{attr, epoch_seconds, item, number, string, time, DecodeError, Fields, Item};
use super::keys;
use super::schema::{GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::table::{Expr, Round, Table, Written};
use crate::auth::secret::Secret;

// ---- Types ----

/// What an account holds besides its lists (see [`UserStore::account_items`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountItems {
    /// The keys of its sessions, identities and mailboxes.
    pub keys: Vec<Item>,
    /// Its sign-in identities: (issuer, subject).
    pub identities: Vec<(String, String)>,
}

/// A sign-in that has been started (the browser went to the hosted UI) and not yet finished.
///
/// `expires_at` is kept to the whole second (rounded down), like every expiry in the table.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub pkce_verifier: String,
    pub nonce: String,
    /// Where to send the browser once signed in.
    pub return_to: String,
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("pkce_verifier", &"***")
            .field("nonce", &"***")
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A signed-in browser.
///
/// The session holds a copy of its user, so that reading it is one request. `expires_at` is
/// kept to the whole second (rounded down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// Whether the person was in the admin group (`cognito:groups`) when they signed in: the
    /// tools area is theirs. Read again at every sign-in, never changed on a live session.
    pub admin: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Who the identity provider says signed in (from a verified ID token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Email,
    pub email_verified: bool,
    pub name: PersonName,
}

/// The account an identity signed in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: User,
    /// True when this sign-in created the account.
    pub created: bool,
}

/// Accounts, sessions and pending sign-ins on the one table.
pub struct UserStore {
    table: Table,
}

// ---- Encoding ----

fn user_item(user: &User, now: OffsetDateTime) -> Item {
    let mut item = item(keys::user(&user.id), "user", 1);
    item.insert(attr::NAME.into(), string(user.display_name.as_str()));
    item.insert(attr::EMAIL.into(), string(user.email.as_str()));
    item.insert(attr::CREATED_AT.into(), time(now));
    item
}

fn identity_item(identity: &Identity, user: &UserId, now: OffsetDateTime) -> Item {
    let key = keys::identity(&identity.issuer, &identity.subject);
    let mut item = item(key, "identity", 1);
    item.insert(attr::USER_ID.into(), string(user.as_str()));
    item.insert(attr::ISSUER.into(), string(identity.issuer.as_str()));
    item.insert(attr::SUBJECT.into(), string(identity.subject.as_str()));
    item.insert(attr::CREATED_AT.into(), time(now));
    under_account(
        &mut item,
        user,
        keys::owner_identity_sk(&identity.issuer, &identity.subject),
    );
    item
}

/// Files `item` under its account in the index, so that deleting the account finds it.
fn under_account(item: &mut Item, user: &UserId, sk: String) {
    item.insert(GSI1_PK.into(), string(keys::owner_lists(user)));
    item.insert(GSI1_SK.into(), string(sk));
}

fn mailbox_item(mailbox: &str, user: &UserId, now: OffsetDateTime) -> Item {
    let mut item = item(keys::mailbox(mailbox), "mailbox", 1);
    item.insert(attr::USER_ID.into(), string(user.as_str()));
    item.insert(attr::CREATED_AT.into(), time(now));
    under_account(&mut item, user, keys::owner_mailbox_sk(mailbox));
    item
}

fn session_item(id: &Secret, session: &Session) -> Item {
    let mut item = item(keys::session(&id.hash()), "session", 1);
    item.insert(attr::USER_ID.into(), string(session.user.id.as_str()));
    item.insert(
        attr::NAME.into(),
        string(session.user.display_name.as_str()),
    );
    item.insert(attr::EMAIL.into(), string(session.user.email.as_str()));
    item.insert(attr::CREATED_AT.into(), time(session.created_at));
    item.insert(attr::EXPIRES_AT.into(), epoch_seconds(session.expires_at));
    if session.admin {
        item.insert(attr::ADMIN.into(), AttributeValue::Bool(true));
    }
    under_account(
        &mut item,
        &session.user.id,
        keys::owner_session_sk(&id.hash()),
    );
    item
}

fn login_item(state: &Secret, login: &PendingLogin) -> Item {
    let mut item = item(keys::login(&state.hash()), "login", 1);
    item.insert(attr::VERIFIER.into(), string(login.pkce_verifier.as_str()));
    item.insert(attr::NONCE.into(), string(login.nonce.as_str()));
    item.insert(attr::RETURN_TO.into(), string(login.return_to.as_str()));
    item.insert(attr::EXPIRES_AT.into(), epoch_seconds(login.expires_at));
    item
}

// ---- Decoding ----

fn decode_user(item: &Item) -> Result<User, DecodeError> {
    let f = Fields(item);
    Ok(User {
        id: f.key_id(PK, keys::USER, UserId::parse)?,
        display_name: f.parse(attr::NAME, PersonName::parse)?,
        email: f.parse(attr::EMAIL, Email::parse)?,
    })
}

/// The user an identity or a mailbox item points at.
fn decode_pointer(item: &Item) -> Result<UserId, DecodeError> {
    Fields(item).parse(attr::USER_ID, UserId::parse)
}

fn decode_session(item: &Item) -> Result<Session, DecodeError> {
    let f = Fields(item);
    Ok(Session {
        user: User {
            id: decode_pointer(item)?,
            display_name: f.parse(attr::NAME, PersonName::parse)?,
            email: f.parse(attr::EMAIL, Email::parse)?,
        },
        admin: f.flag(attr::ADMIN)?,
        created_at: f.time(attr::CREATED_AT)?,
        expires_at: f.expiry(attr::EXPIRES_AT)?,
    })
}

fn decode_login(item: &Item) -> Result<PendingLogin, DecodeError> {
    let f = Fields(item);
    Ok(PendingLogin {
        pkce_verifier: f.non_empty(attr::VERIFIER)?,
        nonce: f.non_empty(attr::NONCE)?,
        return_to: f.s(attr::RETURN_TO)?.to_owned(),
        expires_at: f.expiry(attr::EXPIRES_AT)?,
    })
}

/// Something that expires is still valid strictly before its expiry.
fn live(expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < expires_at
}

// ---- Reads ----

impl UserStore {
    /// A store on `table` (which `schema::migrate` provisions).
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            table: Table::new(client, table),
        }
    }

    /// The user an identity or mailbox item at `key` points at.
    async fn pointer(&self, op: &'static str, key: Item) -> Result<Option<UserId>, StoreError> {
        self.table.load(op, key, decode_pointer).await
    }

    /// The user an identity or a mailbox points at. Users are written in the same transaction
    /// as the first item that points at them, so a missing one means the table is damaged.
    async fn pointed_user(&self, op: &'static str, id: &UserId) -> Result<User, StoreError> {
        match self.table.load(op, keys::user(id), decode_user).await? {
            Some(user) => Ok(user),
            None => Err(self
                .table
                .damaged(op, "an identity or mailbox points at a missing user")),
        }
    }

    /// Stores a new item; `Conflict` if its key is taken (never, with random secrets).
    async fn put_new(&self, op: &'static str, item: Item) -> Result<(), StoreError> {
        match self.table.put_item(op, item, Expr::absent()).await? {
            Written::Committed => Ok(()),
            _ => {
                tracing::warn!(operation = op, "an item with this key exists");
                Err(StoreError::Conflict)
            }
        }
    }
}

// ---- The API ----

impl UserStore {
    /// Stores a pending sign-in under `state`'s hash, with `login.expires_at` as its TTL.
    /// `Conflict` if that state is already in use (it never is: states are random).
    pub async fn put_login(&self, state: &Secret, login: &PendingLogin) -> Result<(), StoreError> {
        self.put_new("put_login", login_item(state, login)).await
    }

    /// Takes the pending sign-in: deletes it and returns it in one request, so that a state
    /// works once. `None` when it is absent, already taken, or expired at `now` (an expired one
    /// is deleted too).
    pub async fn take_login(
        &self,
        state: &Secret,
        now: OffsetDateTime,
    ) -> Result<Option<PendingLogin>, StoreError> {
        const OP: &str = "take_login";
        let Some(item) = self.table.take(OP, keys::login(&state.hash())).await? else {
            return Ok(None);
        };
        let login = self.table.decode(OP, &item, decode_login)?;
        Ok(live(login.expires_at, now).then_some(login))
    }

    /// Stores a new session under `id`'s hash, with `session.expires_at` as its TTL. Never
    /// overwrites: `Conflict` if the id is taken.
    pub async fn create_session(&self, id: &Secret, session: &Session) -> Result<(), StoreError> {
        self.put_new("create_session", session_item(id, session))
            .await
    }

    /// The session, with its copy of the user. `None` when absent or expired at `now`.
    pub async fn session(
        &self,
        id: &Secret,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        let session = self
            .table
            .load("session", keys::session(&id.hash()), decode_session)
            .await?;
        Ok(session.filter(|session| live(session.expires_at, now)))
    }

    /// Sliding expiry: sets the session's expiry (and TTL) to `expires_at`, if the session still
    /// exists. A session deleted meanwhile (signed out) stays deleted, without an error. Meant
    /// for a session that has just been read as live.
    pub async fn extend_session(
        &self,
        id: &Secret,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let expr = Expr::exists()
            .name("#exp", attr::EXPIRES_AT)
            .name("#v", attr::VERSION)
            .value(":exp", epoch_seconds(expires_at))
            .value(":one", number(1));
        // A failed condition is the session signed out meanwhile: nothing to do.
        self.table
            .update_item(
                "extend_session",
                keys::session(&id.hash()),
                "SET #exp = :exp, #v = #v + :one",
                expr,
            )
            .await?;
        Ok(())
    }

    /// Deletes the session (signing out). Deleting a missing session is not an error.
    pub async fn delete_session(&self, id: &Secret) -> Result<(), StoreError> {
        self.table
            .delete_item("delete_session", keys::session(&id.hash()), Expr::default())
            .await?;
        Ok(())
    }

    /// What `user`'s account holds besides its lists: the keys of its sessions, identities and
    /// mailboxes (from the index, so one created a moment ago may be missing), and its
    /// identities as (issuer, subject).
    pub async fn account_items(&self, user: &UserId) -> Result<AccountItems, StoreError> {
        const OP: &str = "account_items";
        let query = self
            .table
            .query()
            .index_name(GSI1)
            .key_condition_expression("#gpk = :owner")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_values(":owner", string(keys::owner_lists(user)));
        let mut found = AccountItems::default();
        for item in self.table.query_all(OP, query).await? {
            let (key, sk, identity) = self.table.decode(OP, &item, |item| {
                let f = Fields(item);
                let key = keys::key(f.s(PK)?.to_owned(), f.s(SK)?);
                let sk = f.s(GSI1_SK)?.to_owned();
                let identity = if sk.starts_with(keys::OWNER_IDENTITY) {
                    Some((
                        f.s(attr::ISSUER)?.to_owned(),
                        f.s(attr::SUBJECT)?.to_owned(),
                    ))
                } else {
                    None
                };
                Ok((key, sk, identity))
            })?;
            if sk.starts_with(keys::OWNER_LIST) {
                continue;
            }
            found.identities.extend(identity);
            found.keys.push(key);
        }
        Ok(found)
    }

    /// Deletes `user`'s account item and `items` (its sessions, identities and mailboxes). Its
    /// lists must be gone first. Deleting what is already gone is not an error.
    pub async fn delete_account(
        &self,
        user: &UserId,
        items: AccountItems,
    ) -> Result<(), StoreError> {
        const OP: &str = "delete_account";
        let mut all = items.keys;
        all.push(keys::user(user));
        self.table.batch_delete(OP, all).await
    }

    /// A user by id.
    pub async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.table.load("user", keys::user(id), decode_user).await
    }

    /// Finds or creates the account for `identity`: one account per person.
    ///
    /// 1. A known identity signs in to the user it points at (whose stored name and email stay
    ///    as they are).
    /// 2. Otherwise, when the provider verified the email, and a user already owns that
    ///    mailbox ([`Email::mailbox_key`]), the identity is linked to that user.
    /// 3. Otherwise a new user is created with the identity's name and email, together with the
    ///    identity, only for a verified email the mailbox, and the welcome mail (queued in the
    ///    outbox). An unverified email never creates nor follows a mailbox item.
    ///
    /// Every write is conditional. A sign-in that loses a race (the same identity in two tabs,
    /// two identities with one mailbox) starts again from step 1, at most
    /// [`super::MAX_ATTEMPTS`] times, then answers `Conflict`.
    pub async fn sign_in(
        &self,
        identity: &Identity,
        now: OffsetDateTime,
    ) -> Result<SignedIn, StoreError> {
        const OP: &str = "sign_in";
        let table = &self.table;
        let identity_key = &keys::identity(&identity.issuer, &identity.subject);
        let mailbox = &identity
            .email_verified
            .then(|| identity.email.mailbox_key());
        table
            .retry(OP, move || async move {
                // Both lookups at once: a returning identity wastes one small read, and a first
                // sign-in saves a round trip.
                let (known, owner) =
                    tokio::try_join!(self.pointer(OP, identity_key.clone()), async {
                        match mailbox {
                            Some(mailbox) => self.pointer(OP, keys::mailbox(mailbox)).await,
                            None => Ok(None),
                        }
                    })?;

                // 1. A known identity.
                if let Some(user_id) = known {
                    let user = self.pointed_user(OP, &user_id).await?;
                    return Ok(Round::Done(SignedIn {
                        user,
                        created: false,
                    }));
                }

                // 2. A verified mailbox that a user already owns: link the identity to it.
                if let (Some(mailbox), Some(user_id)) = (mailbox, owner) {
                    let user = self.pointed_user(OP, &user_id).await?;
                    let writes = vec![
                        table.check(
                            keys::mailbox(mailbox),
                            Expr::points_to_user(user_id.as_str()),
                        )?,
                        table.put(identity_item(identity, &user_id, now), Expr::absent())?,
                    ];
                    let written = table.transact(OP, writes).await?;
                    if written == Written::Committed {
                        tracing::info!(operation = OP, user = %user_id, "identity linked to an account by its verified email");
                    }
                    return Ok(written.or_lost(SignedIn {
                        user,
                        created: false,
                    }));
                }

                // 3. A new user.
                let user = User {
                    id: UserId::generate(),
                    display_name: identity.name.clone(),
                    email: identity.email.clone(),
                };
                let mut writes = vec![
                    table.put(user_item(&user, now), Expr::absent())?,
                    table.put(identity_item(identity, &user.id, now), Expr::absent())?,
                ];
                if let Some(mailbox) = mailbox {
                    writes.push(table.put(mailbox_item(mailbox, &user.id, now), Expr::absent())?);
                }
                // The welcome mail, queued with the account it greets.
                let welcome = app::ports::Mail::Welcome {
                    to: user.email.clone(),
                    name: user.display_name.clone(),
                };
                writes.push(super::outbox::enqueue(table, &welcome, now)?);
                writes.push(super::tools::count(
                    table,
                    domain::Kpi::SignUp,
                    now,
                    user.id.as_str(),
                )?);
                let written = table.transact(OP, writes).await?;
                if written == Written::Committed {
                    tracing::info!(operation = OP, user = %user.id, "account created");
                }
                Ok(written.or_lost(SignedIn {
                    user,
                    created: true,
                }))
            })
            .await
    }
}

/// The owners' contact details, for the app (the owner's notice that a gift was bought).
#[async_trait::async_trait]
impl app::ports::Directory for UserStore {
    async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        UserStore::user(self, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn user() -> User {
        User {
            id: UserId::generate(),
            display_name: PersonName::parse("Ann Lee").unwrap(),
            email: Email::parse("Ann.Lee@gmail.com").unwrap(),
        }
    }

    fn identity(subject: &str) -> Identity {
        Identity {
            issuer: "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc".into(),
            subject: subject.into(),
            email: Email::parse("ann@example.com").unwrap(),
            email_verified: true,
            name: PersonName::parse("Ann").unwrap(),
        }
    }

    fn pk(item: &Item) -> &str {
        item[PK].as_s().unwrap()
    }

    #[test]
    fn items_round_trip() {
        let now = datetime!(2025-01-01 12:00:00.5 UTC);
        let user = user();
        let item = user_item(&user, now);
        assert_eq!(pk(&item), format!("USER#{}", user.id));
        assert_eq!(decode_user(&item).unwrap(), user);

        let session = Session {
            user: user.clone(),
            admin: false,
            created_at: now,
            expires_at: datetime!(2025-01-31 12:00:00 UTC),
        };
        let id = Secret::generate();
        let item = session_item(&id, &session);
        assert_eq!(pk(&item), format!("SESSION#{}", id.hash()));
        assert_eq!(item[attr::EXPIRES_AT], number(1_738_324_800));
        assert!(!item.contains_key(attr::ADMIN));
        assert_eq!(decode_session(&item).unwrap(), session);
        let admin = Session {
            admin: true,
            ..session
        };
        assert_eq!(decode_session(&session_item(&id, &admin)).unwrap(), admin);

        let login = PendingLogin {
            pkce_verifier: "v".repeat(43),
            nonce: "n".repeat(22),
            return_to: "/lists".into(),
            expires_at: datetime!(2025-01-01 12:10:00 UTC),
        };
        let state = Secret::generate();
        let item = login_item(&state, &login);
        assert_eq!(pk(&item), format!("LOGIN#{}", state.hash()));
        assert_eq!(decode_login(&item).unwrap(), login);

        let item = identity_item(&identity("abc"), &user.id, now);
        assert_eq!(decode_pointer(&item).unwrap(), user.id);
        let item = mailbox_item(&user.email.mailbox_key(), &user.id, now);
        assert_eq!(pk(&item), "MAILBOX#annlee@gmail.com");
        assert_eq!(decode_pointer(&item).unwrap(), user.id);
    }

    #[test]
    fn debug_hides_the_verifier_and_the_nonce() {
        let login = PendingLogin {
            pkce_verifier: "the-verifier".into(),
            nonce: "the-nonce".into(),
            return_to: "/lists".into(),
            expires_at: datetime!(2025-01-01 12:10:00 UTC),
        };
        let shown = format!("{login:?}");
        assert!(!shown.contains("the-verifier"), "{shown}");
        assert!(!shown.contains("the-nonce"), "{shown}");
        assert!(shown.contains("/lists"), "{shown}");
    }

    #[test]
    fn malformed_items_name_the_attribute() {
        let session = Session {
            user: user(),
            admin: false,
            created_at: datetime!(2025-01-01 12:00 UTC),
            expires_at: datetime!(2025-01-02 12:00 UTC),
        };
        let cases: Vec<(&str, Option<AttributeValue>)> = vec![
            (attr::USER_ID, Some(string("short"))),
            (attr::NAME, Some(string(""))),
            (attr::EMAIL, Some(string("not-an-email"))),
            (attr::EMAIL, None),
            (attr::CREATED_AT, Some(string("yesterday"))),
            (attr::EXPIRES_AT, Some(string("1738324800"))),
            (attr::EXPIRES_AT, Some(number("soon"))),
            (attr::EXPIRES_AT, None),
        ];
        for (name, value) in cases {
            let mut item = session_item(&Secret::generate(), &session);
            match value {
                Some(value) => item.insert(name.to_owned(), value),
                None => item.remove(name),
            };
            assert_eq!(decode_session(&item).unwrap_err().attribute, name);
        }
        let mut item = user_item(&session.user, session.created_at);
        item.insert(PK.into(), string("LIST#x"));
        assert_eq!(decode_user(&item).unwrap_err().attribute, PK);
        let mut item = login_item(
            &Secret::generate(),
            &PendingLogin {
                pkce_verifier: "v".into(),
                nonce: "n".into(),
                return_to: "/".into(),
                expires_at: session.expires_at,
            },
        );
        item.insert(attr::NONCE.into(), string(""));
        assert_eq!(decode_login(&item).unwrap_err().attribute, attr::NONCE);
    }

    #[test]
    fn expired_means_at_or_after_the_expiry() {
        let t = datetime!(2025-01-01 12:00 UTC);
        assert!(live(t, t - time::Duration::nanoseconds(1)));
        assert!(!live(t, t));
        assert!(!live(t, t + time::Duration::seconds(1)));
    }
}
