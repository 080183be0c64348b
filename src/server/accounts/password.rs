//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes,
//! 1 lane), run on the blocking pool with a cap on how many run at once, so
//! a storm of logins queues up here instead of taking every core from the
//! pages. Unknown e-mails are checked against a stand-in hash with the same
//! parameters, so they take as long as known ones.

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// The 10,000 most common passwords, most common first (from zxcvbn's
/// frequency list, MIT licence).
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().filter(|line| !line.is_empty()).collect());

/// How long a request waits for a hashing slot before it is told to retry.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    stand_in: Arc<OnceCell<String>>,
}

impl Passwords {
    /// `parallel`: hashes that may run at once; each holds 19 MiB and a core.
    pub fn new(parallel: usize) -> Self {
        Self { slots: Arc::new(Semaphore::new(parallel.max(1))), stand_in: Arc::new(OnceCell::new()) }
    }

    /// Half the cores, at least one: the other half keeps serving pages.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self::new(cores / 2)
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await
    }

    /// Whether `password` matches `stored`. Without a stored hash (no such
    /// account) the work is done all the same and the answer is `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let (hash, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.stand_in().await?, false),
        };
        let password = password.to_owned();
        let matches = self
            .blocking(move || {
                let parsed = PasswordHash::new(&hash).map_err(|e| HashError::Failed(e.to_string()))?;
                Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(real && matches)
    }

    async fn stand_in(&self) -> Result<String, HashError> {
        self.stand_in.get_or_try_init(|| self.hash("a password no account has")).await.cloned()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _slot = tokio::time::timeout(QUEUE_WAIT, self.slots.acquire())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        tokio::task::spawn_blocking(work).await.map_err(|e| HashError::Failed(e.to_string()))?
    }
}

/// A common password, or one with digits and symbols added at either end
/// ("Password2024!", "1234567890123").
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let padding = |text: &str| text.chars().all(|c| !c.is_alphabetic());
    // Every split of the padding from either end, so a padded list entry of
    // digits ("123456" + "7890") is found as well as one of letters.
    let boundaries: Vec<usize> = lower.char_indices().map(|(i, _)| i).chain([lower.len()]).collect();
    boundaries.iter().any(|&end| {
        padding(&lower[end..])
            && boundaries.iter().take_while(|&&start| start < end).any(|&start| {
                let core = &lower[start..end];
                padding(&lower[..start]) && core.chars().count() >= 4 && COMMON.contains(core)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_bundled_whole() {
        assert_eq!(COMMON.len(), 10_000);
    }

    #[test]
    fn common_passwords_and_their_padded_forms_are_refused() {
        assert!(is_common("password"));
        assert!(is_common("Password2024!"));
        assert!(is_common("1234567890123"));
        assert!(is_common("!!qwertyuiop123"));
        assert!(!is_common("correct horse battery staple"));
        assert!(!is_common("Valletta-harbour-at-dawn"));
        assert!(!is_common("my dragon is purple"), "a common word inside a passphrase is fine");
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let passwords = Passwords::new(1);
        let hash = passwords.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(passwords.verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!passwords.verify("wrong horse battery", Some(&hash)).await.unwrap());
        assert!(!passwords.verify("a password no account has", None).await.unwrap());
    }
}
