//! A certificate as an Open Badges 3.0 `OpenBadgeCredential` (on the W3C
//! Verifiable Credentials Data Model 2.0), in its VC-JWT form: the
//! credential is the JWT's payload with `iss`, `jti` and `nbf` mirroring
//! its issuer, id and `validFrom`, signed with EdDSA (Ed25519).
//!
//! The learner has no identifier of their own on the web, so the subject
//! is named by identity objects: their e-mail address, salted and hashed
//! (a verifier who is told the address can check it), and their name. The
//! JWT has no `sub`, as the subject has no `id`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// What a credential states.
pub struct Facts<'a> {
    pub public_url: &'a str,
    pub academy: &'a str,
    pub code: &'a str,
    pub learner_name: &'a str,
    pub learner_email: &'a str,
    pub course_slug: &'a str,
    pub course_title: &'a str,
    pub hours: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
}

/// Where a certificate is verified: also the credential's id.
pub fn verification_url(public_url: &str, code: &str) -> String {
    format!("{public_url}/certificates/{code}")
}

pub fn dates(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    if starts_on == ends_on {
        starts_on.format("%-d %B %Y").to_string()
    } else {
        format!("{} to {}", starts_on.format("%-d %B %Y"), ends_on.format("%-d %B %Y"))
    }
}

/// The JWT claims: the credential and the registered claims it implies.
pub fn claims(facts: &Facts<'_>, salt: &str) -> Value {
    let id = verification_url(facts.public_url, facts.code);
    let issuer = facts.public_url.to_string();
    let email_hash: String = Sha256::digest(format!("{}{salt}", facts.learner_email).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let when = dates(facts.starts_on, facts.ends_on);
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{}: certificate of completion", facts.course_title),
        "issuer": { "id": issuer, "type": ["Profile"], "name": facts.academy, "url": facts.public_url },
        "validFrom": facts.issued_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": true,
                    "identityType": "emailAddress",
                    "identityHash": format!("sha256${email_hash}"),
                    "salt": salt
                },
                {
                    "type": "IdentityObject",
                    "hashed": false,
                    "identityType": "ext:name",
                    "identityHash": facts.learner_name
                }
            ],
            "achievement": {
                "id": format!("{}/courses/{}#certificate", facts.public_url, facts.course_slug),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": facts.course_title,
                "description": format!("{} hours of training with {}, {when}.", facts.hours, facts.academy),
                "criteria": {
                    "narrative": format!("Attended and completed {} ({} hours).", facts.course_title, facts.hours)
                }
            }
        },
        "credentialSchema": [{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019"
        }],
        "iss": issuer,
        "jti": id,
        "nbf": facts.issued_at.timestamp()
    })
}
