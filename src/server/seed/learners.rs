//! `lyceum seed learners`: many confirmed learners, each already signed in,
//! for the enrolment benchmark. Their session cookies are written to a
//! file (mode 0600) for the load generator; nothing else ever holds them.
//! With `--tokens`, each also gets an API token (`enrollments:write`, for
//! a day), written to another such file, for the API's run; only the
//! tokens' hashes are stored, as for any token.
//! They share the hash of a random password nobody is told, so nobody can
//! sign in as them, and the sessions expire within the day.

use crate::server::db::Db;
use crate::server::session_store::DbSessionStore;
use chrono::Utc;
use std::io::Write;

/// Rows per INSERT.
const BATCH: usize = 500;

/// A new file only its owner may read.
fn secret_file(path: &std::path::Path) -> Result<std::fs::File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Adds `count` learners (`bench-learner-N@learners.lyceum.example`, after
/// any from an earlier run) with a signed-in session each; writes their
/// cookie values to `cookies`, one per line, and with `tokens` an API
/// token each to that file, in the same order.
pub async fn load(
    db: &Db,
    count: usize,
    cookies: &std::path::Path,
    tokens: Option<&std::path::Path>,
) -> Result<(), String> {
    let unusable = super::unusable_password_hash().await.map_err(|e| e.to_string())?;
    let now = Utc::now();
    let run = now.timestamp_millis();
    let mut ids: Vec<i64> = Vec::with_capacity(count);
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut sql = crate::server::sql::Sql::new(
            "INSERT INTO users (email, email_verified_at, name, password_hash, role, created_at, updated_at) VALUES ",
        );
        for n in start..end {
            use crate::server::sql::Arg;
            if n > start {
                sql.push(", ");
            }
            sql.push("(")
                .bind(Arg::Text(format!("bench-learner-{run}-{n}@learners.lyceum.example")))
                .push(", ")
                .bind(Arg::Time(now))
                .push(", ")
                .bind(Arg::Text(format!("Bench Learner {n}")))
                .push(", ")
                .bind(Arg::Text(unusable.clone()))
                .push(", 'learner', ")
                .bind(Arg::Time(now))
                .push(", ")
                .bind(Arg::Time(now))
                .push(")");
        }
        sql.push(" RETURNING id");
        let batch: Vec<(i64,)> = sql.fetch_all_in(&mut tx).await.map_err(|e| e.to_string())?;
        ids.extend(batch.into_iter().map(|(id,)| id));
    }
    tx.commit().await.map_err(|e| e.to_string())?;

    if let Some(path) = tokens {
        add_tokens(db, &ids, path).await?;
    }
    let store = DbSessionStore::new(db.clone());
    let mut file = secret_file(cookies)?;
    for id in ids {
        let cookie = store.open_signed_in(id, time::Duration::hours(12)).await.map_err(|e| e.to_string())?;
        writeln!(file, "{cookie}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// An `enrollments:write` token for each of `ids`, valid for a day, in
/// batches; the tokens go to `path`, one per line.
async fn add_tokens(db: &Db, ids: &[i64], path: &std::path::Path) -> Result<(), String> {
    use crate::server::sql::Arg;
    use crate::server::tokens::format;
    let now = Utc::now();
    let expires = now + chrono::Duration::days(1);
    let mut file = secret_file(path)?;
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for batch in ids.chunks(BATCH) {
        let mut sql = crate::server::sql::Sql::new(
            "INSERT INTO api_tokens (user_id, name, hint, token_hash, scopes, created_at, expires_at) VALUES ",
        );
        for (n, id) in batch.iter().enumerate() {
            let token = format::mint();
            writeln!(file, "{token}").map_err(|e| e.to_string())?;
            if n > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(Arg::Int(*id))
                .push(", 'Benchmark', ")
                .bind(Arg::Text(format!("{}…", &token[..format::HINT])))
                .push(", ")
                .bind(Arg::Text(crate::server::crypto::token_hash(&token)))
                .push(", 'enrollments:write', ")
                .bind(Arg::Time(now))
                .push(", ")
                .bind(Arg::Time(expires))
                .push(")");
        }
        sql.execute_in(&mut tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}
