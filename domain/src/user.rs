//! Signed-in people: list owners, and guests who chose to sign in.

use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::ids::UserId;
use crate::text::PersonName;

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub display_name: PersonName,
    pub email: Email,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_goes_through_the_parsers() {
        let user = User {
            id: UserId::generate(),
            display_name: PersonName::parse("Ann Lee").unwrap(),
            email: Email::parse("ann@example.com").unwrap(),
        };
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(serde_json::from_value::<User>(json.clone()).unwrap(), user);
        let mut bad = json;
        bad["email"] = "not-an-email".into();
        assert!(serde_json::from_value::<User>(bad).is_err());
    }
}
