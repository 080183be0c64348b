//! The demo accounts loaded with the demo catalogue, and the operator's
//! `create-admin`. Passwords come from the environment or are generated and
//! shown once to whoever started the command; they are never logged.

use crate::model::account::Role;
use crate::server::accounts::Accounts;
use crate::server::config::{Config, ConfigError};
use crate::server::crypto::{self, Secret};
use crate::server::error::Error;

pub const DEMO_LEARNER: &str = "learner@lyceum.example";
pub const DEMO_STAFF: &str = "staff@lyceum.example";
/// The demo administrator, who manages people on `/admin/users`. It signs
/// in with the demo staff member's password: one setting for the demo's
/// back office.
pub const DEMO_ADMIN: &str = "admin@lyceum.example";

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

/// Checks the demo accounts' passwords from the environment against the
/// rules of every password, naming the setting of one that is refused.
/// Called at start-up before anything is loaded: a refusal later would
/// leave the catalogue loaded and the accounts missing. The value is never
/// echoed.
pub fn check_demo_passwords(config: &Config) -> Result<(), ConfigError> {
    let settings = [
        ("LYCEUM_DEMO_LEARNER_PASSWORD", DEMO_LEARNER, &config.demo_learner_password),
        ("LYCEUM_DEMO_STAFF_PASSWORD", DEMO_STAFF, &config.demo_staff_password),
        ("LYCEUM_DEMO_STAFF_PASSWORD", DEMO_ADMIN, &config.demo_staff_password),
    ];
    for (name, email, password) in settings {
        let Some(password) = password else { continue };
        if let Err(problem) =
            crate::server::accounts::check_password(&String::from_utf8_lossy(password.expose()), email)
        {
            return Err(ConfigError {
                name,
                expected:
                    "a password of 12 to 128 characters, not a common one, not containing the account's e-mail name"
                        .into(),
                got: format!("a password that is refused: {}", problem.message()),
            });
        }
    }
    Ok(())
}

/// Creates the demo learner, the demo staff member and the demo
/// administrator when missing.
pub async fn demo(
    accounts: &Accounts,
    learner_password: Option<&Secret>,
    staff_password: Option<&Secret>,
) -> Result<Vec<Created>, Error> {
    let people = [
        (DEMO_LEARNER, "Demo Learner", Role::Learner, learner_password),
        (DEMO_STAFF, "Demo Staff", Role::Staff, staff_password),
        (DEMO_ADMIN, "Demo Administrator", Role::Admin, staff_password),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_demo_passwords_are_named_and_never_echoed() {
        for (name, value) in [
            ("LYCEUM_DEMO_LEARNER_PASSWORD", "short"),
            ("LYCEUM_DEMO_STAFF_PASSWORD", "short"),
            ("LYCEUM_DEMO_LEARNER_PASSWORD", "the learner's passphrase"),
            ("LYCEUM_DEMO_STAFF_PASSWORD", "Password2024!"),
        ] {
            let config = Config::from_lookup(|key| (key == name).then(|| value.to_string())).unwrap();
            let err = check_demo_passwords(&config).expect_err(name);
            assert_eq!(err.name, name);
            assert!(err.to_string().starts_with(&format!("setting {name} is invalid: expected ")), "{err}");
            assert!(!err.to_string().contains(value), "{err}");
        }
        let fine = Config::from_lookup(|key| {
            (key == "LYCEUM_DEMO_STAFF_PASSWORD").then(|| "lighthouse keeper at grand harbour".into())
        });
        assert!(check_demo_passwords(&fine.unwrap()).is_ok());
    }
}
