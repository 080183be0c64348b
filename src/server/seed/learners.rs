//! `lyceum seed learners`: many confirmed learners, each already signed in,
//! for the enrolment benchmark. Their session cookies are written to a
//! file (mode 0600) for the load generator; nothing else ever holds them.
//! They share the hash of a random password nobody is told, so nobody can
//! sign in as them, and the sessions expire within the day.

use crate::server::accounts::password::hash_phc;
use crate::server::db::Db;
use crate::server::session_store::{DbSessionStore, keys};
use chrono::Utc;
use std::collections::HashMap;
use std::io::Write;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

/// Rows per INSERT.
const BATCH: usize = 500;

/// Adds `count` learners (`bench-learner-N@learners.lyceum.example`, after
/// any from an earlier run) with a signed-in session each; writes their
/// cookie values to `cookies`, one per line.
pub async fn load(db: &Db, count: usize, cookies: &std::path::Path) -> Result<(), String> {
    let unusable = tokio::task::spawn_blocking(|| hash_phc(&crate::server::crypto::new_token()))
        .await
        .map_err(|e| format!("hashing: {e}"))?
        .map_err(|e| format!("hashing: {e:?}"))?;
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

    let store = DbSessionStore::new(db.clone());
    let mut file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(cookies)
            .map_err(|e| format!("{}: {e}", cookies.display()))?
    };
    let signed_in = now.timestamp();
    for id in ids {
        let data = HashMap::from([
            (keys::USER.to_string(), serde_json::json!(id)),
            (keys::SIGNED_IN_AT.to_string(), serde_json::json!(signed_in)),
            (keys::SEEN_AT.to_string(), serde_json::json!(signed_in)),
        ]);
        let expiry_date = time::OffsetDateTime::now_utc() + time::Duration::hours(12);
        let mut record = Record { id: Id::default(), data, expiry_date };
        store.create(&mut record).await.map_err(|e| e.to_string())?;
        writeln!(file, "{}", record.id).map_err(|e| e.to_string())?;
    }
    Ok(())
}
