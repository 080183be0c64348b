//! A second factor at sign-in: passkeys (see `passkeys`), an authenticator
//! app's codes (TOTP, RFC 6238), and single-use recovery codes for the day
//! the phone is lost, made when an account's first second factor is added
//! and void when its last one goes.
//! Required of staff and administrators (they can change every course and
//! every learner's seats), optional for learners.
//!
//! The app's secret is kept only sealed with the app key; recovery codes
//! only as SHA-256 hashes (each carries 80 random bits, so a plain hash is
//! as good as a slow one). A code is accepted once: the time step it was
//! made for is recorded with it, in the same statement that accepts it, so
//! two requests racing with one code (or a code read over a shoulder and
//! sent a second later) get one sign-in between them. Every change of
//! factor is audited and mailed to the account's owner.

use super::emails::Factor;
use super::store::factors as store;
use super::{Accounts, Event, invalid, refused};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::form::{Field, FieldError, Problem};
use crate::server::client::Client;
use crate::server::crypto::token_hash;
use crate::server::error::Error;
use chrono::Utc;
use rand::RngCore;

/// How many recovery codes an account holds at a time.
pub const RECOVERY_CODES: usize = 10;
/// What sealed secrets are bound to (see `Keyring::seal`).
const SEALED_FOR: &str = "totp secret";
/// Time steps either side of now a code may be for: a phone's clock a
/// little off, a code typed as it changed.
const SKEW: u16 = 1;

/// An authenticator being set up: the secret, as the app takes it typed
/// (base32, in groups of four) or from its `otpauth://` address.
#[derive(Clone, Debug)]
pub struct AuthenticatorSetup {
    pub secret: String,
    pub uri: String,
}

/// What an account has for a second factor, for its security page.
#[derive(Clone, Debug, Default)]
pub struct FactorState {
    pub authenticator: bool,
    pub passkeys: Vec<PasskeyInfo>,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// Whether the account's role requires a second factor.
    pub required: bool,
}

/// A passkey as its owner's security page lists it (see `passkeys`).
#[derive(Clone, Debug)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    pub created_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
}

/// How a second factor was proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    Passkey,
    Authenticator,
    RecoveryCode,
}

impl Accounts {
    /// Whether accounts of `role` must have a second factor: staff and
    /// administrators, unless the academy made it optional.
    pub fn requires_second_factor(&self, role: Role) -> bool {
        self.staff_second_factor && role.includes(Role::Staff)
    }

    /// Whether `user_id` has a second factor (a confirmed authenticator or
    /// a passkey).
    pub async fn has_second_factor(&self, user_id: i64) -> Result<bool, Error> {
        Ok(store::any(&self.db, user_id).await?)
    }

    /// Which second factors `user_id` has, for the second step of a
    /// sign-in: (a confirmed authenticator, a passkey).
    pub async fn second_factor_kinds(&self, user_id: i64) -> Result<(bool, bool), Error> {
        Ok(store::kinds(&self.db, user_id).await?)
    }

    /// The account's second factors, and whether its role requires one.
    pub async fn second_factor_state(&self, user: &User) -> Result<FactorState, Error> {
        Ok(FactorState {
            authenticator: store::confirmed(&self.db, user.id).await?,
            passkeys: self.passkeys(user.id).await?,
            recovery_codes_left: store::codes_left(&self.db, user.id).await?,
            required: self.requires_second_factor(user.role),
        })
    }

    /// Starts setting up an authenticator (or shows again the one being set
    /// up): a new secret, kept sealed until a code from it confirms it.
    pub async fn start_authenticator(&self, user: &User) -> Result<AuthenticatorSetup, Error> {
        let sealed = match store::authenticator(&self.db, user.id).await? {
            Some((_, true)) => return Err(refused(AppError::SecondFactorExists)),
            Some((sealed, false)) => sealed,
            None => {
                let mut raw = [0u8; 20];
                rand::rng().fill_bytes(&mut raw);
                let secret = totp_rs::Secret::new_stack(raw).to_base32();
                store::put_pending(&self.db, user.id, &self.keys.seal(&secret, SEALED_FOR), Utc::now()).await?;
                // Two first views at once: the secret kept is the one shown.
                match store::authenticator(&self.db, user.id).await? {
                    Some((sealed, false)) => sealed,
                    Some((_, true)) => return Err(refused(AppError::SecondFactorExists)),
                    None => return Err(Error::Internal("an authenticator being set up vanished".into())),
                }
            }
        };
        let secret = self.open(&sealed)?;
        let totp = self.totp(&secret, &user.email)?;
        let uri = totp.to_url().map_err(|e| Error::Internal(e.to_string()))?;
        Ok(AuthenticatorSetup { secret: group(&secret), uri })
    }

    /// Confirms the authenticator being set up with a code it shows; the
    /// account then has a second factor, and, when it is its first, a
    /// fresh set of recovery codes, returned here to be shown once.
    pub async fn confirm_authenticator(
        &self,
        user: &User,
        code: &str,
        client: &Client,
    ) -> Result<Option<Vec<String>>, Error> {
        self.limit(super::Limit::LoginPerAccount, &format!("second-factor:{}", user.id)).await?;
        let sealed = match store::authenticator(&self.db, user.id).await? {
            Some((sealed, false)) => sealed,
            Some((_, true)) => return Err(refused(AppError::SecondFactorExists)),
            None => return Err(Error::NotFound),
        };
        let secret = self.open(&sealed)?;
        let Some(step) = self.totp(&secret, &user.email)?.check(&digits(code), now_secs()) else {
            return Err(wrong_code());
        };
        let row = self.row(user).await?;
        let mut tx = self.db.begin_write().await?;
        let first = !store::any_in(&mut tx, user.id).await?;
        if !store::confirm_in(&mut tx, user.id, step as i64, Utc::now()).await? {
            // Confirmed by another request meanwhile.
            return Err(refused(AppError::SecondFactorExists));
        }
        let codes = self.first_factor_codes_in(&mut tx, user.id, first).await?;
        let mail = super::emails::second_factor_added(&row.name, &row.email, &self.public_url, Factor::Authenticator);
        self.send(&mut tx, user.id, mail).await?;
        tx.commit().await?;
        self.audit(Event::SecondFactorAdded, Some(user.id), client, "authenticator app").await;
        Ok(codes)
    }

    /// When a factor added in `tx` is the account's `first`, a fresh set
    /// of recovery codes (kept as hashes), returned to be shown once.
    pub(super) async fn first_factor_codes_in(
        &self,
        tx: &mut crate::server::db::Tx,
        user_id: i64,
        first: bool,
    ) -> Result<Option<Vec<String>>, Error> {
        if !first {
            return Ok(None);
        }
        let codes = new_codes();
        store::replace_codes_in(tx, user_id, &hashes(&codes), Utc::now()).await?;
        Ok(Some(codes))
    }

    /// After a factor was removed in `tx`: whether the account keeps one;
    /// when it keeps none, its recovery codes are void.
    pub(super) async fn after_removal_in(&self, tx: &mut crate::server::db::Tx, user_id: i64) -> Result<bool, Error> {
        let left = store::any_in(tx, user_id).await?;
        if !left {
            store::delete_codes_in(tx, user_id).await?;
        }
        Ok(left)
    }

    /// Removes the authenticator (and, when it was the account's last
    /// second factor, the recovery codes with it), for the account's owner
    /// who gives the password. Staff may, to replace a lost or changed
    /// phone: left without a second factor, they are sent to set up
    /// another before anything else, as on their first sign-in. Returns
    /// whether the account keeps a second factor.
    pub async fn remove_authenticator(&self, user: &User, password: &str, client: &Client) -> Result<bool, Error> {
        let row = self.confirm_password(user, password, Field::Password).await?;
        let mut tx = self.db.begin_write().await?;
        if !store::remove_in(&mut tx, user.id).await? {
            return Err(Error::NotFound);
        }
        let left = self.after_removal_in(&mut tx, user.id).await?;
        let mail =
            super::emails::second_factor_removed(&row.name, &row.email, &self.public_url, Factor::Authenticator, left);
        self.send(&mut tx, user.id, mail).await?;
        tx.commit().await?;
        self.audit(Event::SecondFactorRemoved, Some(user.id), client, "authenticator app").await;
        Ok(left)
    }

    /// A new set of recovery codes, the old ones void, for the owner who
    /// gives the password.
    pub async fn new_recovery_codes(&self, user: &User, password: &str, client: &Client) -> Result<Vec<String>, Error> {
        let row = self.confirm_password(user, password, Field::CurrentPassword).await?;
        if !store::any(&self.db, user.id).await? {
            return Err(Error::NotFound);
        }
        let codes = new_codes();
        let mut tx = self.db.begin_write().await?;
        store::replace_codes_in(&mut tx, user.id, &hashes(&codes), Utc::now()).await?;
        self.send(&mut tx, user.id, super::emails::recovery_codes_replaced(&row.name, &row.email, &self.public_url))
            .await?;
        tx.commit().await?;
        self.audit(Event::RecoveryCodesReplaced, Some(user.id), client, "").await;
        Ok(codes)
    }

    /// The second step of signing in: a code from the account's
    /// authenticator or one of its recovery codes. Each is accepted once.
    pub async fn check_second_factor(&self, user_id: i64, code: &str, client: &Client) -> Result<(User, Proof), Error> {
        let row = self.second_step_account(user_id).await?;
        let user = User::from(&row);
        let typed = code.trim();
        let proof = if digits(typed).len() == 6 && typed.chars().all(|c| c.is_ascii_digit() || c == ' ') {
            let accepted = match store::authenticator(&self.db, user_id).await? {
                Some((sealed, true)) => {
                    let secret = self.open(&sealed)?;
                    match self.totp(&secret, &user.email)?.check(&digits(typed), now_secs()) {
                        Some(step) => store::use_step(&self.db, user_id, step as i64).await?,
                        None => false,
                    }
                }
                _ => false,
            };
            accepted.then_some(Proof::Authenticator)
        } else {
            let hash = token_hash(&normalize_code(typed));
            let mut tx = self.db.begin_write().await?;
            let used = store::use_code_in(&mut tx, user_id, &hash, Utc::now()).await?;
            if used {
                let left = store::codes_left_in(&mut tx, user_id).await?;
                self.send(&mut tx, user_id, super::emails::recovery_code_used(&row.name, &row.email, left)).await?;
            }
            tx.commit().await?;
            used.then_some(Proof::RecoveryCode)
        };
        self.second_step_taken(user_id, proof, client).await;
        proof.map(|proof| (user, proof)).ok_or_else(wrong_code)
    }

    /// The account a second step is for, counted against its limit of
    /// attempts: signing in is over for a deactivated or deleted one.
    pub(super) async fn second_step_account(&self, user_id: i64) -> Result<super::store::UserRow, Error> {
        self.limit(super::Limit::LoginPerAccount, &format!("second-factor:{user_id}")).await?;
        let row = super::store::user_by_id(&self.db, user_id).await?.ok_or(refused(AppError::Unauthorized))?;
        if row.deactivated_at.is_some() {
            return Err(refused(AppError::Deactivated));
        }
        Ok(row)
    }

    /// Audits a second step, passed by `proof` (and with it the sign-in)
    /// or failed.
    pub(super) async fn second_step_taken(&self, user_id: i64, proof: Option<Proof>, client: &Client) {
        match proof {
            Some(proof) => {
                let how = match proof {
                    Proof::Authenticator => "authenticator app",
                    Proof::RecoveryCode => "recovery code",
                    Proof::Passkey => "passkey",
                };
                self.audit(Event::SecondFactorPassed, Some(user_id), client, how).await;
                self.audit(Event::LoginSucceeded, Some(user_id), client, how).await;
            }
            None => self.audit(Event::SecondFactorFailed, Some(user_id), client, "").await,
        }
    }

    /// The account's row, once `password` (typed in `field`) is shown to
    /// be its password.
    pub(super) async fn confirm_password(
        &self,
        user: &User,
        password: &str,
        field: Field,
    ) -> Result<super::store::UserRow, Error> {
        if password.is_empty() {
            return Err(invalid(vec![FieldError { field, problem: Problem::Required }]));
        }
        self.limit(super::Limit::LoginPerAccount, &user.email).await?;
        let row = self.row(user).await?;
        if !self.passwords.verify(password, Some(&row.password_hash)).await? {
            return Err(invalid(vec![FieldError { field, problem: Problem::WrongPassword }]));
        }
        Ok(row)
    }

    /// An authenticator's secret, from its sealed form.
    fn open(&self, sealed: &str) -> Result<String, Error> {
        self.keys.open(sealed, SEALED_FOR).map_err(|e| Error::Internal(e.to_string()))
    }

    fn totp(&self, secret: &str, account: &str) -> Result<totp_rs::Totp, Error> {
        let raw = totp_rs::Secret::try_from_base32(secret).map_err(|e| Error::Internal(e.to_string()))?;
        totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(6)
            .with_skew(SKEW)
            .with_step_duration(30)
            .with_secret(raw)
            .with_issuer(Some(self.issuer.as_str()))
            .with_account_name(account)
            .build()
            .map_err(|e| Error::Internal(e.to_string()))
    }
}

fn wrong_code() -> Error {
    invalid(vec![FieldError { field: Field::Code, problem: Problem::WrongCode }])
}

fn now_secs() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// The digits of a typed code ("123 456" is 123456).
fn digits(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A recovery code as it is hashed: lower case, without spaces or dashes.
fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// What is kept of recovery codes: the hash of each as typed back.
fn hashes(codes: &[String]) -> Vec<String> {
    codes.iter().map(|code| token_hash(&normalize_code(code))).collect()
}

/// Ten codes of 16 characters drawn from 32 (80 random bits), shown as
/// four groups of four.
fn new_codes() -> Vec<String> {
    use rand::Rng;
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let text: String = (0..16).map(|_| ALPHABET[rng.random_range(0..32)] as char).collect();
            group(&text).replace(' ', "-")
        })
        .collect()
}

fn group(text: &str) -> String {
    text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}
