//! One secret per database. Every instance on a database must hold the same
//! `LYCEUM_SECRET`: a value one seals (a phone number, a queued mail) only
//! opens with the same key, so an instance with a secret of its own would
//! write what no other can read, and mail it queued would fail for good on
//! the others' workers. The database keeps the fingerprint of the secret
//! its data is written with ([`crypto::fingerprint`]); an instance whose
//! secrets do not include that one does not start.

use crate::server::config::Secret;
use crate::server::crypto;
use crate::server::db::{Db, with_pool};

/// How an instance's secrets compare with the database's.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The database had none: this secret's fingerprint is now recorded.
    Recorded,
    /// The secret is the database's.
    Matches,
    /// The database's secret is one of the previous secrets (a rotation):
    /// the current one's fingerprint now takes its place.
    Rotated,
    /// Neither the secret nor any previous one is the database's.
    Mismatch,
}

/// The fingerprint the database holds.
async fn stored_fingerprint(db: &Db) -> Result<String, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT fingerprint FROM secret_fingerprint WHERE id = 1").fetch_one(pool).await
    })
}

/// Compares `secret` (and the `previous` ones) with the database's, and
/// records or updates the fingerprint as [`Verdict`] says.
pub async fn check(db: &Db, secret: &Secret, previous: &[Secret]) -> Result<Verdict, sqlx::Error> {
    let current = crypto::fingerprint(secret);
    // Instances starting at once on an empty database all try to record
    // theirs; one row wins, and each is judged against it.
    let inserted = with_pool!(db, |pool| {
        sqlx::query("INSERT INTO secret_fingerprint (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
            .bind(&current)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })?;
    if inserted == 1 {
        return Ok(Verdict::Recorded);
    }
    let stored = stored_fingerprint(db).await?;
    if stored == current {
        return Ok(Verdict::Matches);
    }
    if !previous.iter().any(|old| crypto::fingerprint(old) == stored) {
        return Ok(Verdict::Mismatch);
    }
    // Only over the fingerprint just read: instances rotating at once to
    // the same secret all agree, and none undoes another's rotation.
    let updated = with_pool!(db, |pool| {
        sqlx::query("UPDATE secret_fingerprint SET fingerprint = $1 WHERE id = 1 AND fingerprint = $2")
            .bind(&current)
            .bind(&stored)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })?;
    if updated == 1 {
        return Ok(Verdict::Rotated);
    }
    // Another instance changed it in between: judge against what it wrote.
    let stored = stored_fingerprint(db).await?;
    Ok(if stored == current { Verdict::Matches } else { Verdict::Mismatch })
}
