//! The catalogue as staff see it: every course, drafts and archived ones
//! too, searched, filtered, sorted and paged for the back office's lists.

use super::Catalogue;
use crate::model::account::{Role, User};
use crate::model::admin::{CourseListQuery, CourseState, SortCourses};
use crate::server::auth::must_be;
use crate::server::error::Error;
use crate::server::sql::{Arg, Sql};
use chrono::{DateTime, Utc};

/// A course in the back office's list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CourseLine {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
    pub published: bool,
    pub archived: bool,
    /// Scheduled sessions still to start.
    pub upcoming: i64,
    pub updated_at: DateTime<Utc>,
}

/// A page of the list, and how many courses match in all.
pub struct CourseList {
    pub lines: Vec<CourseLine>,
    pub total: i64,
}

pub use crate::server::sql::like_pattern;

impl Catalogue {
    pub async fn staff_courses(&self, actor: &User, query: &CourseListQuery) -> Result<CourseList, Error> {
        must_be(actor, Role::Staff)?;
        // The same conditions, bound in order, for the count and the page.
        let filter = |sql: &mut Sql| {
            sql.push(" FROM courses c JOIN categories k ON k.id = c.category_id WHERE 1 = 1");
            if !query.q.trim().is_empty() {
                let pattern = like_pattern(&query.q);
                sql.push(" AND (lower(c.title) LIKE ").bind(Arg::Text(pattern.clone())).push(" ESCAPE '\\'");
                sql.push(" OR lower(c.slug) LIKE ").bind(Arg::Text(pattern)).push(" ESCAPE '\\')");
            }
            sql.push(match query.state {
                None => "",
                Some(CourseState::Published) => " AND c.published",
                Some(CourseState::Draft) => " AND NOT c.published AND NOT c.archived",
                Some(CourseState::Archived) => " AND c.archived",
            });
            if let Some(category) = &query.category {
                sql.push(" AND k.slug = ").bind(Arg::Text(category.clone()));
            }
        };
        let mut count = Sql::new("SELECT COUNT(*)");
        filter(&mut count);
        let mut list = Sql::new(
            "SELECT c.id, c.slug, c.title, k.name AS category, c.price_cents, c.currency, c.published, c.archived, \
             (SELECT COUNT(*) FROM course_sessions s WHERE s.course_id = c.id AND s.status = 'scheduled' \
              AND s.starts_at > ",
        );
        list.bind(Arg::Time(Utc::now())).push(") AS upcoming, c.updated_at");
        filter(&mut list);
        list.push(match query.sort {
            SortCourses::Title => " ORDER BY lower(c.title), c.id",
            SortCourses::Updated => " ORDER BY c.updated_at DESC, c.id DESC",
            SortCourses::Price => " ORDER BY c.price_cents, lower(c.title), c.id",
        });
        let offset = i64::from(query.page.saturating_sub(1)) * CourseListQuery::PER_PAGE;
        list.push(&format!(" LIMIT {} OFFSET {offset}", CourseListQuery::PER_PAGE));
        let mut conn = self.db.acquire().await?;
        let total = count.fetch_count_on(&mut conn).await?;
        let lines = list.fetch_all_on(&mut conn).await?;
        Ok(CourseList { lines, total })
    }
}

/// What a course's forms choose from: (slug, name) of every category,
/// campus and instructor.
pub struct Choices {
    pub categories: Vec<(String, String)>,
    pub locations: Vec<(String, String)>,
    pub instructors: Vec<(String, String)>,
}

impl Catalogue {
    pub async fn choices(&self, actor: &User) -> Result<Choices, Error> {
        must_be(actor, Role::Staff)?;
        let mut conn = self.db.acquire().await?;
        let mut names = async |sql: &str| Sql::new(sql).fetch_all_on::<(String, String)>(&mut conn).await;
        Ok(Choices {
            categories: names("SELECT slug, name FROM categories ORDER BY kind, position, name").await?,
            locations: names("SELECT slug, name FROM locations ORDER BY name").await?,
            instructors: names("SELECT slug, name FROM instructors ORDER BY name").await?,
        })
    }
}
