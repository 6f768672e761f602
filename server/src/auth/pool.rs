//! The user pool's admin API, for what the hosted UI cannot do: deleting a person's sign-in
//! when they delete their account. The function's role may call `AdminDeleteUser` on this one
//! pool and nothing else (see the template).

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::Client;

use crate::config::CognitoConfig;

/// Why the user pool did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The pool could not be reached or refused the request; trying again later may work.
    #[error("the user pool is unavailable")]
    Unavailable,
}

/// The pool that signs people in (the issuer's).
pub struct UserPool {
    client: Client,
    pool_id: String,
    issuer: String,
}

impl UserPool {
    /// A client of the pool of `config.issuer`, in its region, through `config.api_endpoint`
    /// when set (the local stand-in).
    pub fn new(sdk: &aws_config::SdkConfig, config: &CognitoConfig) -> Self {
        let mut builder = aws_sdk_cognitoidentityprovider::config::Builder::from(sdk).region(
            aws_sdk_cognitoidentityprovider::config::Region::new(config.region().to_owned()),
        );
        if let Some(endpoint) = &config.api_endpoint {
            builder = builder.endpoint_url(endpoint.as_str().trim_end_matches('/'));
        }
        Self {
            client: Client::from_conf(builder.build()),
            pool_id: config.pool_id().to_owned(),
            issuer: config.issuer.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// Whether an identity from `issuer` is one of this pool's people.
    pub fn issued(&self, issuer: &str) -> bool {
        issuer.trim_end_matches('/') == self.issuer
    }

    /// Deletes the pool's user whose `sub` is `subject` (a pool accepts the `sub` wherever it
    /// takes a user name). A user already gone is not an error.
    pub async fn delete_user(&self, subject: &str) -> Result<(), PoolError> {
        match self
            .client
            .admin_delete_user()
            .user_pool_id(&self.pool_id)
            .username(subject)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("UserNotFoundException") => Ok(()),
            Err(err) => {
                tracing::error!(
                    error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err),
                    "the user pool did not delete a user"
                );
                Err(PoolError::Unavailable)
            }
        }
    }
}

/// One person of the pool as `server users export` writes them: everything about them that can
/// be moved to another pool (a password cannot).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// The pool's own name for them (its `sub` in a pool that signs in by email).
    pub username: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email_verified: bool,
    pub enabled: bool,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Signs in with another provider (Google, Facebook): such a person cannot be created, and
    /// comes back by signing in with that provider again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}

/// What importing one profile came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Created,
    /// Someone with that email was already in the pool (an import run again).
    AlreadyThere,
    /// Signs in with another provider: nothing to create.
    External,
}

/// A password nobody knows, that meets any pool's password policy: a user created with it can
/// only get in by resetting it (which a user created without one cannot do).
fn unknown_password() -> String {
    const SETS: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%+-=?@^_",
    ];
    (0..48)
        .map(|i| {
            let set = SETS[i % SETS.len()];
            char::from(set[rand::random_range(0..set.len())])
        })
        .collect()
}

impl UserPool {
    fn failed<E: std::error::Error + Send + Sync + 'static>(
        what: &'static str,
        err: aws_sdk_cognitoidentityprovider::error::SdkError<E>,
    ) -> PoolError {
        tracing::error!(
            error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err),
            "the user pool refused to {what}"
        );
        PoolError::Unavailable
    }

    /// One page of the pool's people (at most 60) with their groups, and the next page's token.
    pub async fn profiles(
        &self,
        page: Option<String>,
    ) -> Result<(Vec<Profile>, Option<String>), PoolError> {
        let out = self
            .client
            .list_users()
            .user_pool_id(&self.pool_id)
            .limit(60)
            .set_pagination_token(page)
            .send()
            .await
            .map_err(|e| Self::failed("list its users", e))?;
        let mut profiles = Vec::new();
        for user in out.users.unwrap_or_default() {
            let attribute = |name: &str| {
                user.attributes()
                    .iter()
                    .find(|a| a.name() == name)
                    .and_then(|a| a.value().map(str::to_owned))
            };
            let Some(username) = user.username().map(str::to_owned) else {
                continue;
            };
            let Some(email) = attribute("email") else {
                tracing::warn!(%username, "a user without an email is not exported");
                continue;
            };
            profiles.push(Profile {
                groups: self.groups_of(&username).await?,
                email,
                name: attribute("name"),
                email_verified: attribute("email_verified").as_deref() == Some("true"),
                enabled: user.enabled(),
                external: user.user_status()
                    == Some(
                        &aws_sdk_cognitoidentityprovider::types::UserStatusType::ExternalProvider,
                    ),
                username,
            });
        }
        Ok((profiles, out.pagination_token.filter(|t| !t.is_empty())))
    }

    /// The names of the groups `username` is in.
    pub async fn groups_of(&self, username: &str) -> Result<Vec<String>, PoolError> {
        let mut groups = Vec::new();
        let mut next = None;
        loop {
            let out = self
                .client
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool_id)
                .username(username)
                .set_next_token(next)
                .send()
                .await
                .map_err(|e| Self::failed("list a user's groups", e))?;
            groups.extend(
                out.groups
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|g| g.group_name),
            );
            match out.next_token.filter(|t| !t.is_empty()) {
                Some(token) => next = Some(token),
                None => return Ok(groups),
            }
        }
    }

    /// Makes the group `name` unless it is there.
    pub async fn ensure_group(&self, name: &str) -> Result<(), PoolError> {
        match self
            .client
            .create_group()
            .user_pool_id(&self.pool_id)
            .group_name(name)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("GroupExistsException") => Ok(()),
            Err(err) => Err(Self::failed("create a group", err)),
        }
    }

    /// Creates `profile` in this pool (signing in by email): the same email, name, verified flag
    /// and groups, with no invitation sent and a password nobody knows, confirmed, so that the
    /// person gets in by "Forgot your password?". Someone already there with that email is
    /// left as they are, but put in the profile's groups (so an import stopped halfway is
    /// finished by running it again).
    pub async fn import(&self, profile: &Profile) -> Result<Imported, PoolError> {
        use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
        if profile.external {
            return Ok(Imported::External);
        }
        let attribute = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|_| PoolError::Unavailable)
        };
        let mut attributes = vec![
            attribute("email", &profile.email)?,
            attribute(
                "email_verified",
                if profile.email_verified {
                    "true"
                } else {
                    "false"
                },
            )?,
        ];
        if let Some(name) = &profile.name {
            attributes.push(attribute("name", name)?);
        }
        let created = match self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(&profile.email)
            .set_user_attributes(Some(attributes))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
        {
            Ok(_) => Imported::Created,
            Err(err) if err.code() == Some("UsernameExistsException") => Imported::AlreadyThere,
            Err(err) => return Err(Self::failed("create a user", err)),
        };
        if created == Imported::Created {
            self.client
                .admin_set_user_password()
                .user_pool_id(&self.pool_id)
                .username(&profile.email)
                .password(unknown_password())
                .permanent(true)
                .send()
                .await
                .map_err(|e| Self::failed("set a user's password", e))?;
            if !profile.enabled {
                self.client
                    .admin_disable_user()
                    .user_pool_id(&self.pool_id)
                    .username(&profile.email)
                    .send()
                    .await
                    .map_err(|e| Self::failed("disable a user", e))?;
            }
        }
        for group in &profile.groups {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.pool_id)
                .username(&profile.email)
                .group_name(group)
                .send()
                .await
                .map_err(|e| Self::failed("add a user to a group", e))?;
        }
        Ok(created)
    }
}
