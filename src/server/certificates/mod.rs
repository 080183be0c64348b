//! Certificates: issued when a learner completes a course that awards one,
//! verified by anyone at `/certificates/{code}`, revoked by staff with a
//! reason, and carried away as a signed Open Badges 3.0 credential that
//! verifies offline against the keys published at
//! `/.well-known/jwks.json`.
//!
//! What a certificate says is copied when it is issued (the learner's
//! name, the course, its dates and hours), and its credential is signed
//! then: a later edit of the course or the account changes neither.

pub mod credential;
pub mod keys;
mod store;

use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::certificate::{CODE_ALPHABET, CertificateView, MyCertificate, Revocation, grouped_code, is_code};
use crate::model::form::{Field, FieldError, check_line};
use crate::model::webhook::EventType;
use crate::server::accounts::limits::{Limit, Limits};
use crate::server::crypto::Keyring;
use crate::server::db::{Db, Tx};
use crate::server::error::Error;
use crate::server::mail::{self, message};
use crate::server::webhooks::events;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use keys::CredentialKeys;
use std::sync::Arc;
use store::CertificateRow;

/// The longest reason for a revocation.
const REASON_MAX: usize = 300;

#[derive(Clone)]
pub struct Certificates {
    db: Db,
    signing: Arc<CredentialKeys>,
    keys: Arc<Keyring>,
    limits: Arc<Limits>,
    tz: Tz,
    public_url: Arc<str>,
    academy: Arc<str>,
}

/// A new code: 128 bits from the operating system's generator, written in
/// 26 characters of Crockford's base32.
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut bytes).expect("the OS random generator works");
    let mut value = u128::from_be_bytes(bytes);
    let mut code = [0u8; 26];
    for slot in code.iter_mut().rev() {
        *slot = CODE_ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    String::from_utf8(code.to_vec()).expect("the alphabet is ASCII")
}

/// An inline SVG QR code of `url`.
fn qr_svg(url: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).build();
    let svg = svg.split_once("?>").map_or(svg.as_str(), |(_, rest)| rest);
    Ok(svg.replacen("<svg ", "<svg role=\"img\" aria-label=\"QR code of this page's address\" ", 1))
}

fn long_date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %B %Y").to_string()
}

impl Certificates {
    pub fn new(
        db: Db,
        signing: Arc<CredentialKeys>,
        keys: Arc<Keyring>,
        limits: Arc<Limits>,
        tz: Tz,
        public_url: &str,
        academy: &str,
    ) -> Self {
        Self { db, signing, keys, limits, tz, public_url: public_url.into(), academy: academy.into() }
    }

    /// Issues the certificate an enrolment earned, inside the caller's
    /// transaction (the completion that earned it), and queues the mail
    /// that tells the learner. `None` when the course awards none; the
    /// existing code when one was issued already.
    #[tracing::instrument(level = "debug", skip_all, fields(enrolment_id))]
    pub async fn issue_in(&self, tx: &mut Tx, enrolment_id: i64, now: DateTime<Utc>) -> Result<Option<String>, Error> {
        if let Some(code) = store::code_of_enrolment(tx, enrolment_id).await? {
            return Ok(Some(code));
        }
        let earned = store::earned(tx, enrolment_id).await?.ok_or(Error::NotFound)?;
        if !earned.awards_certificate {
            return Ok(None);
        }
        let code = new_code();
        let starts_on = earned.starts_at.with_timezone(&self.tz).date_naive();
        let ends_on = earned.ends_at.with_timezone(&self.tz).date_naive();
        let mut salt = crate::server::crypto::new_token();
        salt.truncate(16);
        let facts = credential::Facts {
            public_url: &self.public_url,
            academy: &self.academy,
            code: &code,
            learner_name: &earned.learner_name,
            learner_email: &earned.learner_email,
            course_slug: &earned.course_slug,
            course_title: &earned.course_title,
            hours: earned.hours,
            starts_on,
            ends_on,
            issued_at: now,
        };
        let signed = self.signing.sign(&credential::claims(&facts, &salt));
        let new = store::NewCertificate {
            code: &code,
            earned: &earned,
            starts_on,
            ends_on,
            issuer: &self.academy,
            issued_at: now,
            key_id: self.signing.current_id(),
            credential: &signed,
        };
        store::insert(tx, &new).await?;
        let url = credential::verification_url(&self.public_url, &code);
        // Grouped, as the certificate prints it, for reading out to
        // someone who checks it at /certificates.
        let number = format!("Its number is {}.", grouped_code(&code));
        let mail = message(
            &earned.learner_email,
            &format!("Your certificate: {}", earned.course_title),
            &earned.learner_name,
            &[
                &format!("Congratulations on completing {}.", earned.course_title),
                "Your certificate is ready. Anyone you share its address with can check that it is genuine, \
                 and you can print it or download it as a signed digital credential from the same page.",
                &number,
            ],
            Some(("Your certificate", &url)),
        );
        mail::queue(tx, &self.keys, Some(earned.user_id), &mail).await?;
        events::certificate(tx, EventType::CertificateIssued, &code, now).await?;
        Ok(Some(code))
    }

    fn view(&self, row: CertificateRow) -> Result<CertificateView, Error> {
        let url = credential::verification_url(&self.public_url, &row.code);
        Ok(CertificateView {
            qr_svg: qr_svg(&url)?,
            url,
            dates: credential::dates(row.starts_on, row.ends_on),
            issued_on: long_date(row.issued_at, self.tz),
            issued_at: row.issued_at.with_timezone(&self.tz).to_rfc3339_opts(SecondsFormat::Secs, true),
            revoked: match (row.revoked_at, row.revoked_reason) {
                (Some(at), Some(reason)) => Some(Revocation { on: long_date(at, self.tz), reason }),
                _ => None,
            },
            code: row.code,
            learner_name: row.learner_name,
            course_title: row.course_title,
            course_slug: row.course_slug,
            hours: row.hours,
            issuer: row.issuer,
        })
    }

    /// One lookup of a code by a client, counted against its limit first.
    async fn look_up(&self, code: &str, client_ip: &str) -> Result<CertificateRow, Error> {
        self.limits.enforce(Limit::CertificatePerIp, client_ip).await?;
        if !is_code(code) {
            return Err(Error::NotFound);
        }
        store::by_code(&self.db, code).await?.ok_or(Error::NotFound)
    }

    /// The public verification of a certificate.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify(&self, code: &str, client_ip: &str) -> Result<CertificateView, Error> {
        let row = self.look_up(code, client_ip).await?;
        self.view(row)
    }

    /// The signed credential (a compact JWS) of a certificate.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn credential(&self, code: &str, client_ip: &str) -> Result<String, Error> {
        Ok(self.look_up(code, client_ip).await?.credential)
    }

    /// The public keys credentials are verified with.
    pub fn jwks(&self) -> serde_json::Value {
        self.signing.jwks()
    }

    /// Withdraws a certificate, saying why. Staff only.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = actor.id))]
    pub async fn revoke(&self, actor: &User, code: &str, reason: &str) -> Result<(), Error> {
        if !actor.role.includes(Role::Staff) {
            return Err(Error::Refused(AppError::Forbidden));
        }
        let reason = reason.trim();
        if let Err(problem) = check_line(reason, true, REASON_MAX) {
            return Err(Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Reason, problem }])));
        }
        if !is_code(code) {
            return Err(Error::NotFound);
        }
        let now = Utc::now();
        let mut tx = self.db.begin_write().await?;
        if store::revoke(&mut tx, code, reason, actor.id, now).await? {
            events::certificate(&mut tx, EventType::CertificateRevoked, code, now).await?;
            tx.commit().await?;
            return Ok(());
        }
        drop(tx);
        // Nothing revoked: no such certificate, or one revoked already.
        match store::by_code(&self.db, code).await? {
            Some(_) => Err(Error::Refused(AppError::Conflict(crate::model::enrolment::Refusal::AlreadyRevoked))),
            None => Err(Error::NotFound),
        }
    }

    /// The learner's certificates, newest first.
    pub async fn of_learner(&self, learner: &User) -> Result<Vec<MyCertificate>, Error> {
        Ok(store::of_learner(&self.db, learner.id)
            .await?
            .into_iter()
            .map(|row| MyCertificate {
                issued_on: long_date(row.issued_at, self.tz),
                revoked: row.revoked_at.is_some(),
                code: row.code,
                course_title: row.course_title,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_26_characters_of_128_random_bits() {
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| new_code()).collect();
        assert_eq!(codes.len(), 1000);
        assert!(codes.iter().all(|code| is_code(code)));
        // The first character holds the top 3 bits (26 * 5 = 130): 0 to 7.
        assert!(codes.iter().all(|code| code.as_bytes()[0] <= b'7'));
        assert!(codes.iter().any(|code| code.as_bytes()[0] == b'7'));
    }

    #[test]
    fn the_qr_code_is_an_inline_svg_element() {
        let svg = qr_svg("https://lyceum.example/certificates/0123456789abcdefghjkmnpqrs").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..60]);
        assert!(!svg.contains("<?xml"));
    }
}
