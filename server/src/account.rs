//! A person's own account: downloading everything it holds, and deleting it with everything it
//! holds. Both are owner actions behind the session (see `http::account`).
//!
//! Deleting goes in an order that can always be finished by trying again: the sign-in at the
//! user pool first (so that nobody can sign in to a half-deleted account, and a pool user that
//! is already gone is not an error), then every list with its gifts and reservations, then the
//! account's identities, mailboxes, sessions and the account itself.

use app::owner::OwnerListView;
use app::ports::StoreError;
use domain::User;
use serde::Serialize;
use time::OffsetDateTime;

use crate::auth::pool::PoolError;
use crate::AppState;

/// Everything an account holds, as its owner may see it: a download.
#[derive(Debug, Clone, Serialize)]
pub struct AccountData {
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    pub account: AccountInfo,
    /// The sign-ins that lead to the account: (issuer, subject).
    pub sign_ins: Vec<SignIn>,
    /// Each list as its editor shows it (what guests reserved only as far as the list's surprise
    /// setting lets the owner see).
    pub lists: Vec<OwnerListView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignIn {
    pub issuer: String,
    pub subject: String,
}

/// Why an account could not be deleted (nothing that was not deleted is lost; trying again
/// finishes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeleteError {
    #[error("the user pool is unavailable")]
    Pool(#[from] PoolError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Everything `user`'s account holds.
pub async fn export(state: &AppState, user: &User) -> Result<AccountData, StoreError> {
    let now = OffsetDateTime::now_utc();
    let items = state.auth.account_items(&user.id).await?;
    let site = state.config.site_url.as_str().trim_end_matches('/');
    let mut lists = Vec::new();
    for list in state.store.lists_of_owner(&user.id).await? {
        let data = state.store.owner_list(&user.id, &list.id).await?;
        lists.push(OwnerListView::of(data, site, now.date()));
    }
    Ok(AccountData {
        exported_at: now,
        account: AccountInfo {
            id: user.id.to_string(),
            name: user.display_name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
        },
        sign_ins: items
            .identities
            .into_iter()
            .map(|(issuer, subject)| SignIn { issuer, subject })
            .collect(),
        lists,
    })
}

/// Deletes `user`'s account and everything it holds (see the module's documentation).
pub async fn delete(state: &AppState, user: &User) -> Result<(), DeleteError> {
    let items = state.auth.account_items(&user.id).await?;
    for (issuer, subject) in &items.identities {
        if state.pool.issued(issuer) {
            state.pool.delete_user(subject).await?;
        }
    }
    let lists = state.store.lists_of_owner(&user.id).await?;
    for list in &lists {
        match state.store.delete_list(&user.id, &list.id).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    state.auth.delete_account(&user.id, items).await?;
    tracing::info!(user = %user.id, lists = lists.len(), "account deleted");
    Ok(())
}
