//! Passkeys (WebAuthn): the main second factor. A passkey is a key pair an
//! authenticator (a phone, a laptop's fingerprint reader, a security key)
//! keeps for this site alone; Lyceum keeps the public half, and at sign-in
//! checks a signature over a fresh challenge, made only after the device
//! checked its owner (user verification is required). It cannot be typed
//! into a look-alike site, as a code can.
//!
//! Each ceremony takes two requests: the options (with a challenge) for
//! the browser's `navigator.credentials`, then the authenticator's answer.
//! Between them the ceremony's state is kept in `passkey_challenges` under
//! the hash of a handle only the browser's session holds, and taken by the
//! statement that deletes it: an answer is checked once, against the
//! ceremony of its own account and purpose, within five minutes.
//!
//! The relying party is the public address's host: `academy.example`
//! for `https://academy.example`. Browsers refuse passkeys for an IP
//! address; a public address on a loopback one (the development default)
//! offers them at `localhost` on its port instead.

use super::emails::Factor;
use super::second_factor::{PasskeyInfo, Proof};
use super::store::passkeys as store;
use super::{Accounts, Event, invalid};
use crate::model::account::User;
use crate::model::form::{Field, FieldError, Problem, check_line};
use crate::server::client::Client;
use crate::server::crypto::{new_token, token_hash};
use crate::server::error::Error;
use chrono::{TimeDelta, Utc};
use std::sync::Arc;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

/// How long a ceremony waits for its answer (the browser is told the same).
const CEREMONY: TimeDelta = TimeDelta::minutes(5);
/// The longest name a passkey may be given.
pub const NAME_MAX: usize = 60;
const REGISTER: &str = "register";
const SIGN_IN: &str = "sign-in";

/// The relying party Lyceum is to authenticators, from its public
/// address; `None` where browsers offer no passkeys (an address that is
/// not a loopback one's IP).
#[derive(Clone)]
pub struct RelyingParty {
    webauthn: Arc<Webauthn>,
    /// The origin passkeys work at (the public one, or `localhost`'s).
    pub origin: String,
}

impl RelyingParty {
    pub fn of(public_url: &str, academy: &str) -> Option<Self> {
        let url = Url::parse(public_url).ok()?;
        let origin = match url.host()? {
            url::Host::Domain(_) => url.clone(),
            url::Host::Ipv4(ip) if ip.is_loopback() => localhost(&url)?,
            url::Host::Ipv6(ip) if ip.is_loopback() => localhost(&url)?,
            _ => return None,
        };
        let rp_id = origin.host_str()?.to_string();
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .ok()?
            .rp_name(academy)
            .timeout(CEREMONY.to_std().ok()?)
            .build()
            .ok()?;
        let origin = origin.origin().ascii_serialization();
        Some(RelyingParty { webauthn: Arc::new(webauthn), origin })
    }
}

/// `url` at `localhost`, on its scheme and port.
fn localhost(url: &Url) -> Option<Url> {
    let mut url = url.clone();
    url.set_host(Some("localhost")).ok()?;
    Some(url)
}

/// A ceremony begun: the handle the session keeps, and the options the
/// browser passes to `navigator.credentials` (JSON, as WebAuthn's
/// `parse…OptionsFromJSON` take them, under `publicKey`).
pub struct Ceremony {
    pub handle: String,
    pub options: String,
}

/// A credential's id as kept (and indexed): base64url, unpadded.
fn credential_id(id: impl AsRef<[u8]>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

fn refused_passkey() -> Error {
    invalid(vec![FieldError { field: Field::Passkey, problem: Problem::PasskeyRefused }])
}

fn unavailable() -> Error {
    invalid(vec![FieldError { field: Field::Passkey, problem: Problem::PasskeysUnavailable }])
}

fn internal(error: impl std::fmt::Display) -> Error {
    Error::Internal(error.to_string())
}

impl Accounts {
    /// The origin passkeys work at, if they do at this address.
    pub fn passkey_origin(&self) -> Option<&str> {
        self.relying_party.as_ref().map(|rp| rp.origin.as_str())
    }

    fn webauthn(&self) -> Result<&Webauthn, Error> {
        self.relying_party.as_ref().map(|rp| rp.webauthn.as_ref()).ok_or_else(unavailable)
    }

    /// The account's passkeys, oldest first.
    pub async fn passkeys(&self, user_id: i64) -> Result<Vec<PasskeyInfo>, Error> {
        Ok(store::of_user(&self.db, user_id)
            .await?
            .into_iter()
            .map(|row| PasskeyInfo {
                id: row.id,
                name: row.name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect())
    }

    /// Begins registering a passkey for the signed-in `user`; the
    /// account's own passkeys are excluded (an authenticator that holds
    /// one says so rather than make a second).
    pub async fn start_passkey(&self, user: &User) -> Result<Ceremony, Error> {
        let webauthn = self.webauthn()?;
        let existing = self.credentials(user.id).await?;
        let handle = match store::user_handle(&self.db, user.id).await? {
            Some(handle) => Uuid::parse_str(&handle).map_err(internal)?,
            None => Uuid::new_v4(),
        };
        let exclude = existing.iter().map(|(_, passkey)| passkey.cred_id().clone()).collect();
        let (options, state) =
            webauthn.start_passkey_registration(handle, &user.email, &user.name, Some(exclude)).map_err(internal)?;
        self.keep_ceremony(user.id, REGISTER, &options, &(handle, state)).await
    }

    /// Registers the passkey that answered the ceremony `handle` under
    /// `name`. When it is the account's first second factor, the recovery
    /// codes made with it are returned, to be shown once.
    pub async fn add_passkey(
        &self,
        user: &User,
        handle: &str,
        name: &str,
        answer: &str,
        client: &Client,
    ) -> Result<Option<Vec<String>>, Error> {
        let name = name.trim();
        if let Err(problem) = check_line(name, true, NAME_MAX) {
            return Err(invalid(vec![FieldError { field: Field::Name, problem }]));
        }
        let webauthn = self.webauthn()?;
        let answer: RegisterPublicKeyCredential = serde_json::from_str(answer).map_err(|_| refused_passkey())?;
        let (user_handle, state): (Uuid, PasskeyRegistration) =
            self.take_ceremony(user.id, REGISTER, handle).await?.ok_or_else(refused_passkey)?;
        let passkey = webauthn.finish_passkey_registration(&answer, &state).map_err(|error| {
            tracing::info!(%error, "a passkey's registration was refused");
            refused_passkey()
        })?;
        let credential = serde_json::to_string(&passkey).map_err(internal)?;
        let credential_id = credential_id(passkey.cred_id());
        let row = self.row(user).await?;
        let mut tx = self.db.begin_write().await?;
        let first = !super::store::factors::any_in(&mut tx, user.id).await?;
        let new = store::NewPasskey {
            user_id: user.id,
            credential_id: &credential_id,
            user_handle: &user_handle.to_string(),
            name,
            credential: &credential,
            counter: 0,
        };
        if let Err(error) = store::insert_in(&mut tx, &new, Utc::now()).await {
            return Err(match store::CREDENTIAL.violated_by(&error) {
                true => invalid(vec![FieldError { field: Field::Passkey, problem: Problem::PasskeyTaken }]),
                false => error.into(),
            });
        }
        let codes = self.first_factor_codes_in(&mut tx, user.id, first).await?;
        let mail =
            super::emails::second_factor_added(&row.name, &row.email, &self.public_url, Factor::Passkey { name });
        self.send(&mut tx, user.id, mail).await?;
        tx.commit().await?;
        self.audit(Event::SecondFactorAdded, Some(user.id), client, "passkey").await;
        Ok(codes)
    }

    /// Removes the account's passkey `id`, for its owner who gives the
    /// password; returns whether the account keeps a second factor.
    pub async fn remove_passkey(&self, user: &User, id: i64, password: &str, client: &Client) -> Result<bool, Error> {
        let row = self.confirm_password(user, password, Field::PasskeyPassword).await?;
        let mut tx = self.db.begin_write().await?;
        // None: not the account's, or removed by another request a moment ago.
        let name = store::remove_in(&mut tx, user.id, id).await?.ok_or(Error::NotFound)?;
        let left = self.after_removal_in(&mut tx, user.id).await?;
        let mail = super::emails::second_factor_removed(
            &row.name,
            &row.email,
            &self.public_url,
            Factor::Passkey { name: &name },
            left,
        );
        self.send(&mut tx, user.id, mail).await?;
        tx.commit().await?;
        self.audit(Event::SecondFactorRemoved, Some(user.id), client, "passkey").await;
        Ok(left)
    }

    /// Begins the second step of signing in with a passkey, for the
    /// account whose password was just given; `NotFound` if it has none.
    pub async fn start_passkey_sign_in(&self, user_id: i64) -> Result<Ceremony, Error> {
        let webauthn = self.webauthn()?;
        let passkeys: Vec<Passkey> = self.credentials(user_id).await?.into_iter().map(|(_, passkey)| passkey).collect();
        if passkeys.is_empty() {
            return Err(Error::NotFound);
        }
        let (options, state) = webauthn.start_passkey_authentication(&passkeys).map_err(internal)?;
        self.keep_ceremony(user_id, SIGN_IN, &options, &state).await
    }

    /// The second step of signing in, with the passkey that answered the
    /// ceremony `handle`: one of the account's, its signature over this
    /// ceremony's challenge, its owner verified, its counter forwards.
    pub async fn check_passkey(
        &self,
        user_id: i64,
        handle: &str,
        answer: &str,
        client: &Client,
    ) -> Result<(User, Proof), Error> {
        let row = self.second_step_account(user_id).await?;
        let webauthn = self.webauthn()?;
        let passed = match serde_json::from_str::<PublicKeyCredential>(answer) {
            Ok(answer) => match self.take_ceremony::<PasskeyAuthentication>(user_id, SIGN_IN, handle).await? {
                Some(state) => self.verify(webauthn, user_id, &answer, &state).await?,
                None => false,
            },
            Err(_) => false,
        };
        let proof = passed.then_some(Proof::Passkey);
        self.second_step_taken(user_id, proof, client).await;
        match proof {
            Some(proof) => Ok((User::from(&row), proof)),
            None => Err(refused_passkey()),
        }
    }

    /// Whether `answer` passes the ceremony `state` with one of the
    /// account's passkeys, whose use (and counter) is then recorded.
    async fn verify(
        &self,
        webauthn: &Webauthn,
        user_id: i64,
        answer: &PublicKeyCredential,
        state: &PasskeyAuthentication,
    ) -> Result<bool, Error> {
        let result = match webauthn.finish_passkey_authentication(answer, state) {
            Ok(result) => result,
            Err(error) => {
                tracing::info!(%error, "a passkey's signature was refused");
                return Ok(false);
            }
        };
        let Some((id, credential)) = store::credential(&self.db, user_id, &credential_id(result.cred_id())).await?
        else {
            // Removed since the ceremony began.
            return Ok(false);
        };
        let mut passkey: Passkey = serde_json::from_str(&credential).map_err(internal)?;
        passkey.update_credential(&result);
        let credential = serde_json::to_string(&passkey).map_err(internal)?;
        Ok(store::record_use(&self.db, id, &credential, i64::from(result.counter()), Utc::now()).await?)
    }

    /// The account's passkeys as webauthn-rs reads them, by row id.
    async fn credentials(&self, user_id: i64) -> Result<Vec<(i64, Passkey)>, Error> {
        store::credentials(&self.db, user_id)
            .await?
            .into_iter()
            .map(|(id, credential)| Ok((id, serde_json::from_str(&credential).map_err(internal)?)))
            .collect()
    }

    async fn keep_ceremony(
        &self,
        user_id: i64,
        purpose: &str,
        options: &impl serde::Serialize,
        state: &impl serde::Serialize,
    ) -> Result<Ceremony, Error> {
        let handle = new_token();
        let state = serde_json::to_string(state).map_err(internal)?;
        store::put_challenge(&self.db, &token_hash(&handle), user_id, purpose, &state, Utc::now() + CEREMONY).await?;
        Ok(Ceremony { handle, options: serde_json::to_string(options).map_err(internal)? })
    }

    /// The ceremony `handle` of the account, for `purpose`, taken once.
    async fn take_ceremony<T: serde::de::DeserializeOwned>(
        &self,
        user_id: i64,
        purpose: &str,
        handle: &str,
    ) -> Result<Option<T>, Error> {
        match store::take_challenge(&self.db, &token_hash(handle), user_id, purpose, Utc::now()).await? {
            Some(state) => Ok(Some(serde_json::from_str(&state).map_err(internal)?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RelyingParty;

    fn origin(public_url: &str) -> Option<String> {
        RelyingParty::of(public_url, "Lyceum Academy").map(|rp| rp.origin)
    }

    #[test]
    fn the_relying_party_is_the_public_host_or_localhost_for_a_loopback_address() {
        assert_eq!(origin("https://academy.example").as_deref(), Some("https://academy.example"));
        assert_eq!(origin("https://learn.academy.example:8443").as_deref(), Some("https://learn.academy.example:8443"));
        assert_eq!(origin("http://127.0.0.1:3000").as_deref(), Some("http://localhost:3000"));
        assert_eq!(origin("http://[::1]:3000").as_deref(), Some("http://localhost:3000"));
        // Browsers offer no passkeys for an IP address.
        assert_eq!(origin("http://192.0.2.5:3000"), None);
        assert_eq!(origin("not a url"), None);
    }
}
