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
