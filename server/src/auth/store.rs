//! [`AuthStore`]: sign-in state in the one DynamoDB table: pending sign-ins, sessions, users,
//! and the identities and verified mailboxes that lead to a user.
//!
//! The items follow the conventions of `crate::store` (a `kind` and a version `v` on every item,
//! times as RFC 3339 strings with nine fraction digits, every value decoded through the domain's
//! parsers). Secrets never reach the table: a session id or a sign-in `state` is stored as
//! [`Secret::hash`] only. Pending sign-ins and sessions carry the table's TTL attribute
//! (`expires_at`, epoch seconds), and every read still compares it with the clock, because
//! DynamoDB removes expired items late. See "Users, identities and sessions" in
//! `docs/data-model.md`.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use app::ports::StoreError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValue, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use domain::{Email, PersonName, User, UserId};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::secret::Secret;
use crate::store::items::{attr, describe_key, key, n, s, time_text, DecodeError, Item};
use crate::store::schema::{PK, TTL_ATTRIBUTE};
use crate::store::MAX_ATTEMPTS;

// ---- Keys ----

const USER_PK_PREFIX: &str = "USER#";
const USER_SK: &str = "U";
const IDENTITY_PK_PREFIX: &str = "IDENTITY#";
const IDENTITY_SK: &str = "I";
const MAILBOX_PK_PREFIX: &str = "MAILBOX#";
const MAILBOX_SK: &str = "M";
const SESSION_PK_PREFIX: &str = "SESSION#";
const SESSION_SK: &str = "S";
const LOGIN_PK_PREFIX: &str = "LOGIN#";
const LOGIN_SK: &str = "P";

fn user_key(id: &UserId) -> Item {
    key(format!("{USER_PK_PREFIX}{id}"), USER_SK)
}

/// The key of an identity: SHA-256 of its issuer and subject (length-prefixed, so that no two
/// pairs give the same input), as 43 base64url characters. A subject may be any string, and
/// the hash keeps the key short and free of separators whatever it holds.
fn identity_key(issuer: &str, subject: &str) -> Item {
    let mut digest = Sha256::new();
    digest.update((issuer.len() as u64).to_be_bytes());
    digest.update(issuer.as_bytes());
    digest.update(subject.as_bytes());
    let hash = URL_SAFE_NO_PAD.encode(digest.finalize());
    key(format!("{IDENTITY_PK_PREFIX}{hash}"), IDENTITY_SK)
}

/// The key of a verified mailbox (an [`Email::mailbox_key`]).
fn mailbox_key(mailbox: &str) -> Item {
    key(format!("{MAILBOX_PK_PREFIX}{mailbox}"), MAILBOX_SK)
}

fn session_key(id: &Secret) -> Item {
    key(format!("{SESSION_PK_PREFIX}{}", id.hash()), SESSION_SK)
}

fn login_key(state: &Secret) -> Item {
    key(format!("{LOGIN_PK_PREFIX}{}", state.hash()), LOGIN_SK)
}

// ---- Attribute names (the shared ones are in `crate::store::items::attr`) ----

/// On an identity: the issuer and subject it was made from (for people reading the table).
const ISSUER: &str = "issuer";
const SUBJECT: &str = "subject";
/// On a pending sign-in.
const VERIFIER: &str = "verifier";
const NONCE: &str = "nonce";
const RETURN_TO: &str = "return_to";
/// Epoch seconds (`N`): the table's TTL attribute.
const EXPIRES_AT: &str = TTL_ATTRIBUTE;

// ---- Types ----

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

/// Pending sign-ins, sessions and users on the one table.
pub struct AuthStore {
    client: Client,
    table: String,
}

// ---- Encoding ----

fn epoch_seconds(t: OffsetDateTime) -> AttributeValue {
    n(t.unix_timestamp())
}

fn user_item(user: &User, now: OffsetDateTime) -> Item {
    let mut item = user_key(&user.id);
    item.insert(attr::KIND.into(), s("user"));
    item.insert(attr::VERSION.into(), n(1));
    item.insert(attr::NAME.into(), s(user.display_name.as_str()));
    item.insert(attr::EMAIL.into(), s(user.email.as_str()));
    item.insert(attr::CREATED_AT.into(), s(time_text(now)));
    item
}

fn identity_item(identity: &Identity, user: &UserId, now: OffsetDateTime) -> Item {
    let mut item = identity_key(&identity.issuer, &identity.subject);
    item.insert(attr::KIND.into(), s("identity"));
    item.insert(attr::VERSION.into(), n(1));
    item.insert(attr::USER_ID.into(), s(user.as_str()));
    item.insert(ISSUER.into(), s(identity.issuer.as_str()));
    item.insert(SUBJECT.into(), s(identity.subject.as_str()));
    item.insert(attr::CREATED_AT.into(), s(time_text(now)));
    item
}

fn mailbox_item(mailbox: &str, user: &UserId, now: OffsetDateTime) -> Item {
    let mut item = mailbox_key(mailbox);
    item.insert(attr::KIND.into(), s("mailbox"));
    item.insert(attr::VERSION.into(), n(1));
    item.insert(attr::USER_ID.into(), s(user.as_str()));
    item.insert(attr::CREATED_AT.into(), s(time_text(now)));
    item
}

fn session_item(id: &Secret, session: &Session) -> Item {
    let mut item = session_key(id);
    item.insert(attr::KIND.into(), s("session"));
    item.insert(attr::VERSION.into(), n(1));
    item.insert(attr::USER_ID.into(), s(session.user.id.as_str()));
    item.insert(attr::NAME.into(), s(session.user.display_name.as_str()));
    item.insert(attr::EMAIL.into(), s(session.user.email.as_str()));
    item.insert(attr::CREATED_AT.into(), s(time_text(session.created_at)));
    item.insert(EXPIRES_AT.into(), epoch_seconds(session.expires_at));
    item
}

fn login_item(state: &Secret, login: &PendingLogin) -> Item {
    let mut item = login_key(state);
    item.insert(attr::KIND.into(), s("login"));
    item.insert(attr::VERSION.into(), n(1));
    item.insert(VERIFIER.into(), s(login.pkce_verifier.as_str()));
    item.insert(NONCE.into(), s(login.nonce.as_str()));
    item.insert(RETURN_TO.into(), s(login.return_to.as_str()));
    item.insert(EXPIRES_AT.into(), epoch_seconds(login.expires_at));
    item
}

// ---- Decoding ----

fn problem(attribute: &'static str, problem: impl fmt::Display) -> DecodeError {
    DecodeError {
        attribute,
        problem: problem.to_string(),
    }
}

fn text<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, DecodeError> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        Some(_) => Err(problem(name, "is not a string")),
        None => Err(problem(name, "is missing")),
    }
}

fn parse<T, E: fmt::Display>(
    item: &Item,
    name: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, DecodeError> {
    parse(text(item, name)?).map_err(|e| problem(name, e))
}

/// A string that must not be empty (the verifier and the nonce have no domain type).
fn non_empty(item: &Item, name: &'static str) -> Result<String, DecodeError> {
    parse(item, name, |t| {
        if t.is_empty() {
            Err("is empty")
        } else {
            Ok(t.to_owned())
        }
    })
}

fn time(item: &Item, name: &'static str) -> Result<OffsetDateTime, DecodeError> {
    parse(item, name, |t| OffsetDateTime::parse(t, &Rfc3339))
}

fn expiry(item: &Item) -> Result<OffsetDateTime, DecodeError> {
    match item.get(EXPIRES_AT) {
        Some(AttributeValue::N(text)) => text
            .parse::<i64>()
            .ok()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .ok_or_else(|| problem(EXPIRES_AT, format!("`{text}` is not a time"))),
        Some(_) => Err(problem(EXPIRES_AT, "is not a number")),
        None => Err(problem(EXPIRES_AT, "is missing")),
    }
}

fn decode_user(item: &Item) -> Result<User, DecodeError> {
    Ok(User {
        id: parse(item, PK, |t| match t.strip_prefix(USER_PK_PREFIX) {
            Some(id) => UserId::parse(id).map_err(|e| e.to_string()),
            None => Err(format!("does not start with `{USER_PK_PREFIX}`")),
        })?,
        display_name: parse(item, attr::NAME, PersonName::parse)?,
        email: parse(item, attr::EMAIL, Email::parse)?,
    })
}

/// The user an identity or a mailbox item points at.
fn decode_pointer(item: &Item) -> Result<UserId, DecodeError> {
    parse(item, attr::USER_ID, UserId::parse)
}

fn decode_session(item: &Item) -> Result<Session, DecodeError> {
    Ok(Session {
        user: User {
            id: decode_pointer(item)?,
            display_name: parse(item, attr::NAME, PersonName::parse)?,
            email: parse(item, attr::EMAIL, Email::parse)?,
        },
        created_at: time(item, attr::CREATED_AT)?,
        expires_at: expiry(item)?,
    })
}

fn decode_login(item: &Item) -> Result<PendingLogin, DecodeError> {
    Ok(PendingLogin {
        pkce_verifier: non_empty(item, VERIFIER)?,
        nonce: non_empty(item, NONCE)?,
        return_to: text(item, RETURN_TO)?.to_owned(),
        expires_at: expiry(item)?,
    })
}

/// Something that expires is still valid strictly before its expiry.
fn live(expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < expires_at
}

// ---- Plumbing ----

/// `attribute_not_exists(pk)`: the item does not exist yet.
const ABSENT: &str = "attribute_not_exists(#pk)";

fn names(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(placeholder, name)| ((*placeholder).to_owned(), (*name).to_owned()))
        .collect()
}

/// Waits a short random time before the next attempt, longer as attempts go on (as the list
/// store does).
async fn back_off(attempt: u32) {
    if attempt >= MAX_ATTEMPTS {
        return;
    }
    let upper = (5u64 << attempt.min(3)).min(40);
    let pause = rand::random_range(5..=upper);
    tokio::time::sleep(Duration::from_millis(pause)).await;
}

impl AuthStore {
    /// A store on `table` (which `crate::store::schema::migrate` provisions).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Logs a failed request (once, here) and hides it behind `Unavailable`.
    fn fail<E: std::error::Error>(&self, op: &'static str, err: &E) -> StoreError {
        tracing::error!(
            operation = op,
            table = %self.table,
            error = %DisplayErrorContext(err),
            "DynamoDB request failed"
        );
        StoreError::Unavailable
    }

    /// Logs an item that does not decode and hides it behind `Corrupt`.
    fn corrupt(&self, op: &'static str, item: &Item, err: &DecodeError) -> StoreError {
        let (pk, sk) = describe_key(item);
        tracing::error!(
            operation = op,
            table = %self.table,
            pk = %pk,
            sk = %sk,
            attribute = err.attribute,
            problem = %err.problem,
            "stored item cannot be decoded"
        );
        StoreError::Corrupt
    }

    fn decode<T>(
        &self,
        op: &'static str,
        item: &Item,
        decode: impl FnOnce(&Item) -> Result<T, DecodeError>,
    ) -> Result<T, StoreError> {
        decode(item).map_err(|e| self.corrupt(op, item, &e))
    }

    /// A strongly consistent GetItem.
    async fn get(&self, op: &'static str, key: Item) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(|e| self.fail(op, &e))
    }

    /// A PutItem that refuses to overwrite: `false` when the key is taken.
    async fn put_new(&self, op: &'static str, item: Item) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(ABSENT)
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(err) => Err(self.fail(op, &err)),
        }
    }

    /// A transaction's Put that refuses to overwrite.
    fn put_absent(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(ABSENT)
            .set_expression_attribute_names(Some(names(&[("#pk", PK)])))
            .build()
            .map_err(|e| self.fail("build put", &e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A transaction's check that the item at `key` points at `user`.
    fn check_points_at(&self, key: Item, user: &UserId) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("#user = :user")
            .set_expression_attribute_names(Some(names(&[("#user", attr::USER_ID)])))
            .set_expression_attribute_values(Some(HashMap::from([(
                ":user".to_owned(),
                s(user.as_str()),
            )])))
            .build()
            .map_err(|e| self.fail("build condition check", &e))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Runs one transaction: `true` when it committed, `false` when it lost a race (a failed
    /// condition, or another transaction on the same items). Anything else is `Unavailable`.
    async fn transact(
        &self,
        op: &'static str,
        writes: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(true),
            Err(err) => err,
        };
        if let SdkError::ServiceError(service) = &err {
            if let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err()
            {
                let codes: Vec<&str> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None"))
                    .collect();
                let raced =
                    |c: &&str| matches!(*c, "ConditionalCheckFailed" | "TransactionConflict");
                if codes.iter().all(|c| *c == "None" || raced(c)) && codes.iter().any(raced) {
                    tracing::debug!(operation = op, ?codes, "sign-in lost a race");
                    return Ok(false);
                }
            }
        }
        Err(self.fail(op, &err))
    }

    /// The user an identity or mailbox item at `key` points at.
    async fn pointer(&self, op: &'static str, key: Item) -> Result<Option<UserId>, StoreError> {
        match self.get(op, key).await? {
            Some(item) => self.decode(op, &item, decode_pointer).map(Some),
            None => Ok(None),
        }
    }

    /// The user an identity or a mailbox points at. Users are never deleted and are written
    /// in the same transaction as the first item that points at them, so a missing one means
    /// the table is damaged.
    async fn pointed_user(&self, op: &'static str, id: &UserId) -> Result<User, StoreError> {
        match self.user_in(op, id).await? {
            Some(user) => Ok(user),
            None => {
                tracing::error!(
                    operation = op,
                    table = %self.table,
                    user = %id,
                    "an identity or mailbox points at a missing user"
                );
                Err(StoreError::Corrupt)
            }
        }
    }

    async fn user_in(&self, op: &'static str, id: &UserId) -> Result<Option<User>, StoreError> {
        match self.get(op, user_key(id)).await? {
            Some(item) => self.decode(op, &item, decode_user).map(Some),
            None => Ok(None),
        }
    }
}

// ---- The API ----

impl AuthStore {
    /// Stores a pending sign-in under `state`'s hash, with `login.expires_at` as its TTL.
    /// `Conflict` if that state is already in use (it never is: states are random).
    pub async fn put_login(&self, state: &Secret, login: &PendingLogin) -> Result<(), StoreError> {
        const OP: &str = "put_login";
        if self.put_new(OP, login_item(state, login)).await? {
            Ok(())
        } else {
            tracing::warn!(operation = OP, "a pending sign-in with this state exists");
            Err(StoreError::Conflict)
        }
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
        let old = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(login_key(state)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| self.fail(OP, &e))?
            .attributes;
        let Some(item) = old.filter(|item| !item.is_empty()) else {
            return Ok(None);
        };
        let login = self.decode(OP, &item, decode_login)?;
        Ok(live(login.expires_at, now).then_some(login))
    }

    /// Stores a new session under `id`'s hash, with `session.expires_at` as its TTL. Never
    /// overwrites: `Conflict` if the id is taken.
    pub async fn create_session(&self, id: &Secret, session: &Session) -> Result<(), StoreError> {
        const OP: &str = "create_session";
        if self.put_new(OP, session_item(id, session)).await? {
            Ok(())
        } else {
            tracing::warn!(operation = OP, "a session with this id exists");
            Err(StoreError::Conflict)
        }
    }

    /// The session, with its copy of the user. `None` when absent or expired at `now`.
    pub async fn session(
        &self,
        id: &Secret,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        const OP: &str = "session";
        let Some(item) = self.get(OP, session_key(id)).await? else {
            return Ok(None);
        };
        let session = self.decode(OP, &item, decode_session)?;
        Ok(live(session.expires_at, now).then_some(session))
    }

    /// Sliding expiry: sets the session's expiry (and TTL) to `expires_at`, if the session still
    /// exists. A session deleted meanwhile (signed out) stays deleted, without an error. Meant
    /// for a session that has just been read as live.
    pub async fn extend_session(
        &self,
        id: &Secret,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const OP: &str = "extend_session";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(session_key(id)))
            .update_expression("SET #exp = :exp, #v = #v + :one")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#v", attr::VERSION)
            .expression_attribute_values(":exp", epoch_seconds(expires_at))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(())
            }
            Err(err) => Err(self.fail(OP, &err)),
        }
    }

    /// Deletes the session (signing out). Deleting a missing session is not an error.
    pub async fn delete_session(&self, id: &Secret) -> Result<(), StoreError> {
        const OP: &str = "delete_session";
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(session_key(id)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.fail(OP, &e))
    }

    /// A user by id.
    pub async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.user_in("user", id).await
    }

    /// Finds or creates the account for `identity`: one account per person.
    ///
    /// 1. A known identity signs in to the user it points at (whose stored name and email stay
    ///    as they are).
    /// 2. Otherwise, when the provider verified the email, and a user already owns that
    ///    mailbox ([`Email::mailbox_key`]), the identity is linked to that user.
    /// 3. Otherwise a new user is created with the identity's name and email, together with the
    ///    identity and, only for a verified email, the mailbox. An unverified email never
    ///    creates nor follows a mailbox item.
    ///
    /// Every write is conditional. A sign-in that loses a race (the same identity in two tabs,
    /// two identities with one mailbox) starts again from step 1, at most [`MAX_ATTEMPTS`]
    /// times, then answers `Conflict`.
    pub async fn sign_in(
        &self,
        identity: &Identity,
        now: OffsetDateTime,
    ) -> Result<SignedIn, StoreError> {
        const OP: &str = "sign_in";
        let identity_key = identity_key(&identity.issuer, &identity.subject);
        let mailbox = identity
            .email_verified
            .then(|| identity.email.mailbox_key());
        for attempt in 1..=MAX_ATTEMPTS {
            // Both lookups at once: a returning identity wastes one small read, and a first
            // sign-in saves a round trip.
            let (known, owner) = tokio::try_join!(self.pointer(OP, identity_key.clone()), async {
                match &mailbox {
                    Some(mailbox) => self.pointer(OP, mailbox_key(mailbox)).await,
                    None => Ok(None),
                }
            })?;

            // 1. A known identity.
            if let Some(user_id) = known {
                let user = self.pointed_user(OP, &user_id).await?;
                return Ok(SignedIn {
                    user,
                    created: false,
                });
            }

            // 2. A verified mailbox that a user already owns: link the identity to that user.
            if let (Some(mailbox), Some(user_id)) = (&mailbox, owner) {
                let user = self.pointed_user(OP, &user_id).await?;
                let writes = vec![
                    self.check_points_at(mailbox_key(mailbox), &user_id)?,
                    self.put_absent(identity_item(identity, &user_id, now))?,
                ];
                if self.transact(OP, writes).await? {
                    tracing::info!(operation = OP, user = %user_id, "identity linked to an account by its verified email");
                    return Ok(SignedIn {
                        user,
                        created: false,
                    });
                }
                back_off(attempt).await;
                continue;
            }

            // 3. A new user.
            let user = User {
                id: UserId::generate(),
                display_name: identity.name.clone(),
                email: identity.email.clone(),
            };
            let mut writes = vec![
                self.put_absent(user_item(&user, now))?,
                self.put_absent(identity_item(identity, &user.id, now))?,
            ];
            if let Some(mailbox) = &mailbox {
                writes.push(self.put_absent(mailbox_item(mailbox, &user.id, now))?);
            }
            if self.transact(OP, writes).await? {
                tracing::info!(operation = OP, user = %user.id, "account created");
                return Ok(SignedIn {
                    user,
                    created: true,
                });
            }
            back_off(attempt).await;
        }
        tracing::warn!(
            operation = OP,
            table = %self.table,
            attempts = MAX_ATTEMPTS,
            "gave up after losing every race"
        );
        Err(StoreError::Conflict)
    }
}

/// The owners' contact details, for the app (the owner's notice that a gift was bought).
#[async_trait::async_trait]
impl app::ports::Directory for AuthStore {
    async fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        AuthStore::user(self, id).await
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
        text(item, PK).unwrap()
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
            created_at: now,
            expires_at: datetime!(2025-01-31 12:00:00 UTC),
        };
        let id = Secret::generate();
        let item = session_item(&id, &session);
        assert_eq!(pk(&item), format!("SESSION#{}", id.hash()));
        assert_eq!(item[EXPIRES_AT], n(1_738_324_800));
        assert_eq!(decode_session(&item).unwrap(), session);

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
    fn expiries_are_kept_to_the_second() {
        let login = PendingLogin {
            pkce_verifier: "v".into(),
            nonce: "n".into(),
            return_to: "/".into(),
            expires_at: datetime!(2025-01-01 12:10:00.999 UTC),
        };
        let back = decode_login(&login_item(&Secret::generate(), &login)).unwrap();
        assert_eq!(back.expires_at, datetime!(2025-01-01 12:10:00 UTC));
    }

    #[test]
    fn identity_keys_are_hashes_that_keep_issuer_and_subject_apart() {
        let a = identity_key("https://a.example", "bc");
        let b = identity_key("https://a.exampleb", "c");
        assert_ne!(a, b);
        let pk = text(&a, PK).unwrap();
        let hash = pk.strip_prefix("IDENTITY#").unwrap();
        assert_eq!(hash.len(), 43);
        assert!(!pk.contains("a.example"));
        assert_eq!(identity_key("https://a.example", "bc"), a);
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
            created_at: datetime!(2025-01-01 12:00 UTC),
            expires_at: datetime!(2025-01-02 12:00 UTC),
        };
        let cases: Vec<(&str, Option<AttributeValue>)> = vec![
            (attr::USER_ID, Some(s("short"))),
            (attr::NAME, Some(s(""))),
            (attr::EMAIL, Some(s("not-an-email"))),
            (attr::EMAIL, None),
            (attr::CREATED_AT, Some(s("yesterday"))),
            (EXPIRES_AT, Some(s("1738324800"))),
            (EXPIRES_AT, Some(n("soon"))),
            (EXPIRES_AT, None),
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
        item.insert(PK.into(), s("LIST#x"));
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
        item.insert(NONCE.into(), s(""));
        assert_eq!(decode_login(&item).unwrap_err().attribute, NONCE);
    }

    #[test]
    fn expired_means_at_or_after_the_expiry() {
        let t = datetime!(2025-01-01 12:00 UTC);
        assert!(live(t, t - time::Duration::nanoseconds(1)));
        assert!(!live(t, t));
        assert!(!live(t, t + time::Duration::seconds(1)));
    }
}
