//! The demo academy's learners: people who hold the seats the demo
//! sessions show as taken, so that every count of seats agrees with the
//! enrolments behind it and every roster has names on it. Nobody can sign
//! in as them: they share the hash of a random password nobody was told.

const FIRST: [&str; 16] = [
    "Maria",
    "Joseph",
    "Charlene",
    "Matthew",
    "Rebecca",
    "Luke",
    "Nicole",
    "Daniel",
    "Kristina",
    "Andrea",
    "Sarah",
    "Jean",
    "Francesca",
    "Kurt",
    "Elena",
    "Ryan",
];
const LAST: [&str; 12] = [
    "Borg",
    "Camilleri",
    "Vella",
    "Farrugia",
    "Zammit",
    "Galea",
    "Micallef",
    "Grech",
    "Attard",
    "Spiteri",
    "Azzopardi",
    "Mifsud",
];

use crate::model::account::Role;
use crate::server::accounts::store::{NewUser, insert_user, user_by_email};
use crate::server::db::Db;
use chrono::{DateTime, Utc};

/// How many demo learners there are: more than any session's capacity.
pub const COUNT: usize = 48;

/// The `i`th demo learner's name and address.
pub fn person(i: usize) -> (String, String) {
    let (first, last) = (FIRST[i % FIRST.len()], LAST[(i * 5 + i / FIRST.len()) % LAST.len()]);
    (format!("{first} {last}"), format!("{}.{}.{i}@learners.lyceum.example", first.to_lowercase(), last.to_lowercase()))
}

/// The demo learners' ids, in order, making those that do not exist yet.
pub async fn ensure(db: &Db, now: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(COUNT);
    let mut missing = Vec::new();
    for i in 0..COUNT {
        let (name, email) = person(i);
        match user_by_email(db, &email).await? {
            Some(user) => ids.push(user.id),
            None => {
                ids.push(0);
                missing.push((i, name, email));
            }
        }
    }
    if missing.is_empty() {
        return Ok(ids);
    }
    let unusable = super::unusable_password_hash().await?;
    let mut tx = db.begin().await?;
    for (i, name, email) in missing {
        let new = NewUser {
            email: &email,
            name: &name,
            password_hash: &unusable,
            role: Role::Learner,
            verified_at: Some(now),
        };
        ids[i] = insert_user(&mut tx, &new, now).await?;
    }
    tx.commit().await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_learner_has_an_address_of_their_own() {
        let addresses: std::collections::HashSet<String> = (0..COUNT).map(|i| person(i).1).collect();
        assert_eq!(addresses.len(), COUNT);
        assert!(addresses.iter().all(|a| a.ends_with("@learners.lyceum.example")));
    }
}
