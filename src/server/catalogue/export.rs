//! The catalogue as staff download it: every course with every field the
//! import reads, and every session with its seats. Typed rows; the CSV is
//! written by `server::exchange`.

use super::Catalogue;
use super::edit::CourseRecord;
use crate::model::account::{Role, User};
use crate::model::query::Mode;
use crate::server::auth::must_be;
use crate::server::db::with_pool;
use crate::server::error::Error;
use chrono::{DateTime, Utc};

/// A session as the export lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionExport {
    pub id: i64,
    /// The course's slug.
    pub course: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: Mode,
    /// The campus's slug.
    pub campus: Option<String>,
    /// The instructor's slug.
    pub instructor: Option<String>,
    pub capacity: i64,
    pub seats_taken: i64,
    pub waitlisted: i64,
    pub status: String,
}

impl Catalogue {
    /// Every course, drafts and archived ones too, oldest first.
    pub async fn export_courses(&self, actor: &User) -> Result<Vec<CourseRecord>, Error> {
        must_be(actor, Role::Staff)?;
        Ok(with_pool!(self.db, |pool| {
            sqlx::query_as::<_, CourseRecord>(
                "SELECT c.id, c.version, c.slug, c.title, k.slug AS category, c.summary, c.description, \
                 c.outcomes, c.prerequisites, c.level, c.duration_hours, c.price_cents, c.currency, c.language, \
                 c.awards_certificate, c.published, c.archived, c.updated_at \
                 FROM courses c JOIN categories k ON k.id = c.category_id ORDER BY c.id",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    /// Every session, or those of the course `course` (a slug), by start.
    pub async fn export_sessions(&self, actor: &User, course: Option<&str>) -> Result<Vec<SessionExport>, Error> {
        must_be(actor, Role::Staff)?;
        Ok(with_pool!(self.db, |pool| {
            sqlx::query_as::<_, SessionExport>(
                "SELECT s.id, c.slug AS course, s.starts_at, s.ends_at, s.mode, l.slug AS campus, \
                 i.slug AS instructor, s.capacity, s.seats_taken, \
                 (SELECT COUNT(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted') \
                 AS waitlisted, s.status \
                 FROM course_sessions s JOIN courses c ON c.id = s.course_id \
                 LEFT JOIN locations l ON l.id = s.location_id LEFT JOIN instructors i ON i.id = s.instructor_id \
                 WHERE ($1 IS NULL OR c.slug = $1) ORDER BY s.starts_at, s.id",
            )
            .bind(course)
            .fetch_all(pool)
            .await
        })?)
    }
}
