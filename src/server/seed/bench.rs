//! `lyceum seed bench --courses N`: a generated catalogue of any size, about
//! three sessions per course, for benchmarks. Text is drawn from a fixed
//! vocabulary with a seeded generator, so every run builds the same data.

use super::taxonomy::{self, Taxonomy};
use crate::server::db::{Db, Tx};
use crate::server::sql::{Arg, Sql};
use chrono::{Duration, Utc};
use rand::{Rng, SeedableRng, rngs::SmallRng};

const TOPICS: &[&str] = &[
    "cloud",
    "security",
    "kubernetes",
    "python",
    "java",
    "networking",
    "firewalls",
    "databases",
    "analytics",
    "machine learning",
    "leadership",
    "negotiation",
    "presentation",
    "writing",
    "agile",
    "scrum",
    "itil",
    "service desk",
    "linux",
    "windows server",
    "azure",
    "aws",
    "devops",
    "testing",
    "javascript",
    "react",
    "excel",
    "power bi",
    "statistics",
    "governance",
    "risk",
    "privacy",
    "coaching",
    "feedback",
    "time management",
    "project planning",
    "budgeting",
    "customer service",
    "sales",
    "storytelling",
    "incident response",
    "penetration testing",
    "cryptography",
    "identity",
    "automation",
    "containers",
    "serverless",
    "sql",
    "data engineering",
    "visualisation",
    "ethics",
    "compliance",
    "mentoring",
    "conflict",
    "teamwork",
];
const FORMS: &[&str] =
    &["Essentials", "Foundations", "in Practice", "Masterclass", "Bootcamp", "for Managers", "Advanced", "Workshop"];
const LEVELS: &[&str] = &["beginner", "intermediate", "advanced"];
/// Rows per INSERT. Binding a value makes sqlx-sqlite look its name up
/// among all of the statement's parameters, so a statement's binding cost
/// grows with the square of its values: keep them to a few hundred.
const BATCH: usize = 40;
/// SQLite's page cache while loading, in KiB. Its default (2 MiB) is far
/// smaller than the indexes a large load touches at random (titles, slugs,
/// sessions by course): each insert would read pages back from the file.
const SQLITE_LOAD_CACHE_KIB: i64 = 512 * 1024;

/// Adds `count` generated courses; returns (courses, sessions) stored.
pub async fn load(db: &Db, count: usize) -> Result<(usize, usize), sqlx::Error> {
    let ids = taxonomy::ensure(db, &taxonomy::demo_catalogue()).await?;
    let mut rng = SmallRng::seed_from_u64(0x4c59_4345_u64.wrapping_add(count as u64));
    let run = Utc::now().timestamp();
    let mut sessions = 0;
    let mut done = 0;
    // One transaction: SQLite's full-text index then grows in memory and is
    // written once, instead of a segment per statement.
    let mut tx = db.begin().await?;
    let cache = match &mut tx {
        Tx::Sqlite(conn) => {
            let default: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut **conn).await?;
            sqlx::query(&format!("PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")).execute(&mut **conn).await?;
            Some(default)
        }
        Tx::Postgres(_) => None,
    };
    while done < count {
        let batch = (count - done).min(BATCH);
        let courses: Vec<Course> = (done..done + batch).map(|n| Course::generate(&mut rng, &ids, run, n)).collect();
        let stored = insert_courses(&mut tx, &courses).await?;
        sessions += insert_sessions(&mut tx, &ids, &stored, &mut rng).await?;
        done += batch;
    }
    if let (Tx::Sqlite(conn), Some(default)) = (&mut tx, cache) {
        // The connection goes back to the pool: give the memory back too.
        sqlx::query(&format!("PRAGMA cache_size = {default}")).execute(&mut **conn).await?;
    }
    tx.commit().await?;
    // Fresh statistics, as after any bulk load: without them PostgreSQL
    // plans searches for an empty table.
    Sql::new("ANALYZE").execute(db).await?;
    Ok((count, sessions))
}

struct Course {
    slug: String,
    category_id: i64,
    title: String,
    summary: String,
    description: String,
    outcomes: String,
    level: &'static str,
    duration_hours: i64,
    price_cents: i64,
    capacity: i64,
}

impl Course {
    fn generate(rng: &mut SmallRng, ids: &Taxonomy, run: i64, n: usize) -> Self {
        let pick = |rng: &mut SmallRng| TOPICS[rng.random_range(0..TOPICS.len())];
        let (a, b, c) = (pick(rng), pick(rng), pick(rng));
        let form = FORMS[rng.random_range(0..FORMS.len())];
        let mut categories: Vec<i64> = ids.categories.values().copied().collect();
        categories.sort_unstable();
        let title = format!("{} and {} {form}", capitalise(a), b);
        Self {
            slug: format!("bench-{run}-{n}"),
            category_id: categories[n % categories.len()],
            summary: format!("A practical course in {a} and {b}, with hands-on labs on {c}."),
            description: format!(
                "This course covers {a} from first principles to day-to-day practice. You will work through \
                 realistic cases that combine {b} with {c}, in small groups and with an experienced instructor.\n\n\
                 Each day mixes short talks with exercises, and ends with a review of what went well. \
                 Assessment is a practical project on {a} marked against a published rubric."
            ),
            outcomes: format!(
                "Explain the core ideas of {a}\nApply {b} to a realistic problem\nEvaluate options for {c}"
            ),
            level: LEVELS[n % LEVELS.len()],
            duration_hours: 7 * rng.random_range(1..=5),
            price_cents: 100 * rng.random_range(150..=2500),
            capacity: rng.random_range(8..=30),
            title,
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Inserts one batch; returns (id, capacity) of each stored course.
async fn insert_courses(tx: &mut Tx, courses: &[Course]) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let now = Utc::now();
    let mut sql = Sql::new(
        "INSERT INTO courses (slug, category_id, title, summary, description, outcomes, level, duration_hours, \
         price_cents, published, created_at, updated_at) VALUES ",
    );
    for (i, c) in courses.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(Arg::Text(c.slug.clone())).push(", ");
        sql.bind(Arg::Int(c.category_id)).push(", ");
        sql.bind(Arg::Text(c.title.clone())).push(", ");
        sql.bind(Arg::Text(c.summary.clone())).push(", ");
        sql.bind(Arg::Text(c.description.clone())).push(", ");
        sql.bind(Arg::Text(c.outcomes.clone())).push(", ");
        sql.bind(Arg::Text(c.level.into())).push(", ");
        sql.bind(Arg::Int(c.duration_hours)).push(", ");
        sql.bind(Arg::Int(c.price_cents)).push(", TRUE, ");
        sql.bind(Arg::Time(now)).push(", ");
        sql.bind(Arg::Time(now)).push(")");
    }
    sql.push(" RETURNING id, slug");
    let rows: Vec<(i64, String)> = sql.fetch_all_in(tx).await?;
    let capacity: std::collections::HashMap<&str, i64> =
        courses.iter().map(|c| (c.slug.as_str(), c.capacity)).collect();
    Ok(rows.into_iter().filter_map(|(id, slug)| capacity.get(slug.as_str()).map(|&c| (id, c))).collect())
}

/// About three sessions per course over the next twelve weeks.
async fn insert_sessions(
    tx: &mut Tx,
    ids: &Taxonomy,
    courses: &[(i64, i64)],
    rng: &mut SmallRng,
) -> Result<usize, sqlx::Error> {
    let now = Utc::now();
    let mut locations: Vec<i64> = ids.locations.values().copied().collect();
    locations.sort_unstable();
    let mut rows = Vec::new();
    for &(course_id, capacity) in courses {
        for _ in 0..rng.random_range(2..=4) {
            let starts = now + Duration::hours(rng.random_range(24..24 * 84));
            let online = rng.random_bool(0.4);
            let location = (!online).then(|| locations[rng.random_range(0..locations.len())]);
            rows.push((course_id, starts, online, location, capacity, rng.random_range(0..=capacity)));
        }
    }
    for chunk in rows.chunks(BATCH) {
        let mut sql = Sql::new(
            "INSERT INTO course_sessions (course_id, starts_at, ends_at, timezone, mode, location_id, capacity, \
             seats_taken, status, created_at, updated_at) VALUES ",
        );
        for (i, (course_id, starts, online, location, capacity, taken)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(Arg::Int(*course_id)).push(", ");
            sql.bind(Arg::Time(*starts)).push(", ");
            sql.bind(Arg::Time(*starts + Duration::hours(7))).push(", 'Europe/Malta', ");
            sql.push(if *online { "'online', " } else { "'in-person', " });
            match location {
                Some(id) => sql.bind(Arg::Int(*id)),
                None => sql.push("NULL"),
            };
            sql.push(", ");
            sql.bind(Arg::Int(*capacity)).push(", ");
            sql.bind(Arg::Int(*taken)).push(", 'scheduled', ");
            sql.bind(Arg::Time(now)).push(", ");
            sql.bind(Arg::Time(now)).push(")");
        }
        sql.execute_in(tx).await?;
    }
    Ok(rows.len())
}
