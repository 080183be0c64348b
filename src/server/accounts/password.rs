//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes,
//! 1 lane), off the async runtime on threads of its own. Those threads run at
//! the lowest CPU priority (`SCHED_BATCH`, nice 19): with nothing else to do
//! they hash at full speed, but when pages are being rendered the scheduler
//! gives the pages the CPU, so a storm of logins slows logins, not the site.
//! At most one hash per core runs at once, and a bounded queue in front of
//! them answers "busy" rather than letting waits grow without end.
//!
//! Unknown e-mails are checked against a stand-in hash with the same
//! parameters, so they take as long as known ones.

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::Duration;
use tokio::sync::{OnceCell, oneshot};

/// The stored "hash" of an account made for someone else (a colleague
/// booked onto a course by name and address): no password opens it until
/// its owner sets one with a reset link.
pub const NO_PASSWORD: &str = "!";

/// The 10,000 most common passwords, most common first (from zxcvbn's
/// frequency list, MIT licence).
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().filter(|line| !line.is_empty()).collect());

/// How long a request waits for its hash before it is told to retry.
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// Hashes that may wait per hashing thread before new ones are refused.
const QUEUE_PER_THREAD: usize = 64;
/// The wait a "busy" answer asks for (`Retry-After`). `scripts/wrk.sh`
/// tells these answers from a lockout's by it: keep the two in step.
pub const BUSY_RETRY_SECS: u64 = 5;

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

thread_local! {
    /// The 19 MiB an argon2 run works in, kept by each hashing thread.
    /// argon2's own functions allocate and free it on every hash, and the
    /// allocator keeps such freed blocks around in pieces that the next hash
    /// cannot reuse: a login storm grew the process by 100 MiB. Reused, it
    /// stays at one block set per thread. (Every block is written before it
    /// is read, so what the last hash left there does not matter.)
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn failed(error: impl std::fmt::Display) -> HashError {
    HashError::Failed(error.to_string())
}

/// argon2 of `password` with `salt` into `out`, in this thread's memory.
fn compute(argon2: &Argon2, password: &str, salt: &[u8], out: &mut [u8]) -> Result<(), HashError> {
    MEMORY.with_borrow_mut(|blocks| {
        let needed = argon2.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut blocks[..needed]).map_err(failed)
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
pub(crate) fn hash_phc(password: &str) -> Result<String, HashError> {
    let argon2 = argon2();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(failed)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, password, salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `stored`, with the parameters `stored`
/// names; the comparison takes constant time.
fn verify_phc(password: &str, stored: &str) -> Result<bool, HashError> {
    let parsed = PasswordHash::new(stored).map_err(failed)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(failed)?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).map_err(failed)?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(failed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(HashError::Failed("the stored hash has no salt or no output".into()));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(failed)?;
    let mut out = vec![0u8; expected.len()];
    compute(&Argon2::new(algorithm, version, params), password, salt_bytes, &mut out)?;
    Ok(Output::new(&out).map_err(failed)? == expected)
}

type Work = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Passwords {
    queue: mpsc::SyncSender<Work>,
    stand_in: Arc<OnceCell<String>>,
}

impl Passwords {
    /// `threads`: hashes that may run at once; each holds 19 MiB and a core.
    /// The threads end when the last clone of this handle is dropped.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (queue, work) = mpsc::sync_channel::<Work>(threads * QUEUE_PER_THREAD);
        let work = Arc::new(Mutex::new(work));
        for n in 0..threads {
            let work = Arc::clone(&work);
            let spawned = std::thread::Builder::new().name(format!("password-{n}")).spawn(move || {
                lower_priority();
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = work.lock().map(|receiver| receiver.recv());
                    match next {
                        Ok(Ok(job)) => job(),
                        _ => return,
                    }
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "a password hashing thread could not start");
            }
        }
        Self { queue, stand_in: Arc::new(OnceCell::new()) }
    }

    /// One hashing thread per core this process may run on.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map(usize::from).unwrap_or(1))
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash_phc(&password)).await
    }

    /// Whether `password` matches `stored`. Without a stored hash (no such
    /// account) the work is done all the same and the answer is `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let (hash, real) = match stored {
            // An account made for someone else has no password until its
            // owner sets one: it is checked like an unknown address.
            Some(hash) if hash != NO_PASSWORD => (hash.to_owned(), true),
            _ => (self.stand_in().await?, false),
        };
        let password = password.to_owned();
        let matches = self.run(move || verify_phc(&password, &hash)).await?;
        Ok(real && matches)
    }

    async fn stand_in(&self) -> Result<String, HashError> {
        self.stand_in.get_or_try_init(|| self.hash("a password no account has")).await.cloned()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let (answer, answered) = oneshot::channel();
        let job: Work = Box::new(move || {
            let _ = answer.send(work());
        });
        self.queue.try_send(job).map_err(|_| HashError::Busy)?;
        match tokio::time::timeout(QUEUE_WAIT, answered).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(HashError::Failed("the hashing thread stopped".into())),
            Err(_) => Err(HashError::Busy),
        }
    }
}

/// Puts the calling thread last in line for the CPU. Where the system does
/// not allow it, hashing still works, at normal priority.
fn lower_priority() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    if let Err(error) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, batch) {
        tracing::warn!(?error, "password hashing runs at normal priority");
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

impl From<HashError> for crate::server::error::Error {
    fn from(error: HashError) -> Self {
        use crate::{error::AppError, server::error::Error};
        match error {
            // Every hashing slot stayed taken: ask the visitor to come back shortly.
            HashError::Busy => Error::Refused(AppError::TooManyRequests { retry_after_secs: BUSY_RETRY_SECS }),
            other => Error::Internal(other.to_string()),
        }
    }
}

/// A password someone chose that passes every rule: the length, not
/// containing the address's local part, and not among the common ones.
/// Made only by [`NewPassword::parse`]; its `Debug` never shows it.
pub struct NewPassword(String);

impl NewPassword {
    /// `text` as the new password of the account with address `email`.
    pub fn parse(text: &str, email: &str) -> Result<Self, crate::model::form::Problem> {
        crate::model::account::check_new_password(text, email)?;
        if is_common(text) {
            return Err(crate::model::form::Problem::CommonPassword);
        }
        Ok(Self(text.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
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
    async fn hashing_threads_run_at_the_lowest_priority() {
        let passwords = Passwords::new(1);
        let stat = passwords.run(|| Ok(std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default())).await;
        // Field 19 of stat is the nice value; the command name (field 2) is
        // in parentheses and may hold spaces, so count from its end.
        let stat = stat.unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
        assert_eq!(nice, 19, "{stat}");
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_functions() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_phc("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(argon2().verify_password(b"correct horse batterY", &parsed).is_err());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2().hash_password(b"harbour lights", &salt).unwrap().to_string();
        // Twice in a row on one thread: the reused memory changes nothing.
        assert!(verify_phc("harbour lights", &theirs).unwrap());
        assert!(verify_phc("harbour lights", &theirs).unwrap());
        assert!(!verify_phc("harbour light", &theirs).unwrap());
        // Other parameters (an older, cheaper hash) still verify.
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(4096, 3, 1, None).unwrap());
        let old = cheap.hash_password(b"harbour lights", &salt).unwrap().to_string();
        assert!(verify_phc("harbour lights", &old).unwrap());
        assert!(verify_phc("x", "not a hash").is_err());
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

    #[test]
    fn a_new_password_passes_every_rule_or_is_not_made() {
        use crate::model::form::Problem;
        let password = NewPassword::parse("lighthouse keeper at grand harbour", "ann@example.com").unwrap();
        assert_eq!(password.expose(), "lighthouse keeper at grand harbour");
        assert_eq!(format!("{password:?}"), "NewPassword(***)", "never shown");
        assert_eq!(NewPassword::parse("short", "ann@example.com").unwrap_err(), Problem::TooShort { min: 12 });
        assert_eq!(NewPassword::parse("password123456", "ann@example.com").unwrap_err(), Problem::CommonPassword);
        assert_eq!(NewPassword::parse("ann is my name, ok?", "ann@example.com").unwrap_err(), Problem::ContainsEmail);
    }
}
