//! The demo accounts loaded with the demo catalogue, and the operator's
//! `create-admin`. Passwords come from the environment or are generated and
//! shown once to whoever started the command; they are never logged.

use crate::model::account::Role;
use crate::server::accounts::Accounts;
use crate::server::config::Secret;
use crate::server::crypto;
use crate::server::error::Error;

pub const DEMO_LEARNER: &str = "learner@lyceum.example";
pub const DEMO_STAFF: &str = "staff@lyceum.example";

/// An account made by a seed, with its password when it was generated.
pub struct Created {
    pub email: &'static str,
    pub role: Role,
    pub generated_password: Option<String>,
}

/// A password nobody has to choose: 120 random bits, URL-safe.
pub fn generate_password() -> String {
    crypto::new_token()[..20].to_string()
}

/// Creates the demo learner and the demo staff member when missing.
pub async fn demo(
    accounts: &Accounts,
    learner_password: Option<&Secret>,
    staff_password: Option<&Secret>,
) -> Result<Vec<Created>, Error> {
    let people = [
        (DEMO_LEARNER, "Demo Learner", Role::Learner, learner_password),
        (DEMO_STAFF, "Demo Staff", Role::Staff, staff_password),
    ];
    let mut created = Vec::new();
    for (email, name, role, given) in people {
        let (password, generated) = match given {
            Some(secret) => (String::from_utf8_lossy(secret.expose()).into_owned(), false),
            None => (generate_password(), true),
        };
        if accounts.create_confirmed(email, name, &password, role).await?.is_some() {
            created.push(Created { email, role, generated_password: generated.then_some(password) });
        }
    }
    Ok(created)
}
