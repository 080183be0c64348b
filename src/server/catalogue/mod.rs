//! The public catalogue: search, course pages, the home page's data and the
//! sitemap, as typed values (see `data`), with an in-process cache in front.
//!
//! Cached answers live at most `LYCEUM_CACHE_TTL_SECS` (sessions start and
//! seats change with time). Every write goes through
//! [`Catalogue::begin_write`], whose commit forgets the cached answers and,
//! in the same transaction, tells the other instances on the database to
//! forget theirs (see `cache_notices`): a new write path cannot forget to.

pub mod changes;
pub mod data;
mod dialect;
pub mod edit;
pub mod export;
pub mod import;
pub mod instructor_accounts;
pub mod queries;
pub mod schedule;
mod search;
pub mod settings;
pub mod staff;
pub mod taxonomy;
pub mod taxonomy_changes;

use crate::model::catalogue::{CategoryOption, Facets, LocationOption};
use crate::model::query::{CatalogueQuery, Notice, is_slug};
use crate::server::cache_notices::{self, Instance};
use crate::server::db::{Db, Tx};
use crate::server::error::Error;
use crate::server::page_cache::Epoch;
use chrono::{DateTime, Datelike, Days, NaiveTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use data::{Course, CourseSummary, Home, Instructor, Money, SearchResults, Session, UpcomingSession};
use moka::future::Cache;
use std::{sync::Arc, time::Duration};

/// How many sessions a course page lists.
const COURSE_PAGE_SESSIONS: i64 = 24;
/// How many sessions the home page lists.
const HOME_SESSIONS: i64 = 6;

/// A catalogue write in progress (see [`Catalogue::begin_write`]).
pub struct Write<'c> {
    tx: Tx,
    catalogue: &'c Catalogue,
}

impl Write<'_> {
    /// The transaction, for the statements of the write.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Commits, then forgets every cached answer (and every cached page).
    /// The other instances hear of it through the database when, and only
    /// if, the transaction commits.
    pub async fn commit(mut self) -> Result<(), Error> {
        cache_notices::announce_in(&mut self.tx, &self.catalogue.instance).await?;
        self.tx.commit().await?;
        self.catalogue.invalidate();
        Ok(())
    }
}

/// The caches are keyed by the [`Epoch`] as well as by what was asked: an
/// answer whose reading began before a write was announced is kept under
/// the older epoch, where nobody looks, instead of outliving the write
/// until its lifetime ends.
#[derive(Clone)]
pub struct Catalogue {
    db: Db,
    /// The academy's zone: a date in a filter is a day there.
    tz: Tz,
    pages: Cache<(u64, CatalogueQuery), Arc<SearchResults>>,
    courses: Cache<(u64, String), Option<Arc<Course>>>,
    facets: Cache<u64, Arc<Facets>>,
    home: Cache<u64, Arc<Home>>,
    /// Shared with the page cache, which forgets with us.
    epoch: Epoch,
    /// The academy's contact details and holidays (see `settings`).
    academy: settings::AcademyCache,
    /// This process, as its notices to the other instances name it.
    instance: Instance,
}

/// About what the cached search answers may hold (a course card is about
/// a kilobyte).
const SEARCH_CACHE_BYTES: u64 = 8 * 1024 * 1024;

impl Catalogue {
    pub fn new(db: Db, tz: Tz, ttl: Duration, epoch: Epoch) -> Self {
        fn cache<K, V>(capacity: u64, ttl: Duration) -> Cache<K, V>
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            Cache::builder().max_capacity(capacity).time_to_live(ttl.max(Duration::from_millis(1))).build()
        }
        Self {
            db,
            tz,
            // Weighed by what the answers hold, so that many different
            // searches keep memory bounded.
            pages: Cache::builder()
                .max_capacity(SEARCH_CACHE_BYTES)
                .weigher(|_, results: &Arc<SearchResults>| {
                    u32::try_from(results.items.len() * 1024 + results.query.q.len() + 512).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
            courses: cache(4_096, ttl),
            // Names and counts change only with writes, but a write made
            // while this instance could not hear of it (its listener
            // reconnecting, a change made by hand) must still show within
            // the lifetime every other answer has.
            facets: cache(2, ttl),
            home: cache(2, ttl),
            epoch,
            academy: settings::AcademyCache::new(ttl, settings::AcademyDefaults::default()),
            instance: Instance::random(),
        }
    }

    /// What a new database's settings start with (see `settings`).
    pub fn with_academy_defaults(mut self, defaults: settings::AcademyDefaults) -> Self {
        self.academy = self.academy.with_defaults(defaults);
        self
    }

    /// This process, as its notices to the other instances name it.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// Starts hearing other instances' changes on `db` (PostgreSQL only):
    /// each one, and every reconnection, empties this catalogue's caches.
    pub fn listen(&self, db: &Db) -> Option<crate::server::cache_notices::Listener> {
        let catalogue = self.clone();
        let forget: crate::server::cache_notices::Forget = Arc::new(move || catalogue.invalidate());
        crate::server::cache_notices::Listener::start(db, self.instance.clone(), forget)
    }

    /// A transaction that changes the catalogue: courses, sessions,
    /// categories, locations, instructors or seats. Its `commit` forgets
    /// every cached answer; dropped, it rolls back and forgets nothing.
    pub async fn begin_write(&self) -> Result<Write<'_>, Error> {
        Ok(Write { tx: self.db.begin_write().await?, catalogue: self })
    }

    /// Forgets every cached answer, here only: after a write of ours
    /// ([`Write::commit`]) or when another instance announced one.
    pub fn invalidate(&self) {
        self.epoch.bump();
        self.pages.invalidate_all();
        self.courses.invalidate_all();
        self.facets.invalidate_all();
        self.home.invalidate_all();
        self.academy.forget();
    }

    fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }

    /// Categories and locations for the filter form.
    pub async fn facets(&self) -> Result<Arc<Facets>, Error> {
        self.facets_at(self.epoch.current()).await
    }

    /// The facets as of `epoch`, for an answer that holds them.
    #[tracing::instrument(name = "facets", level = "debug", skip_all)]
    async fn facets_at(&self, epoch: u64) -> Result<Arc<Facets>, Error> {
        self.facets
            .try_get_with(epoch, async {
                let categories = queries::categories(&self.db).await?;
                let locations = queries::locations(&self.db).await?;
                Ok::<_, Error>(Arc::new(Facets {
                    categories: categories
                        .into_iter()
                        .map(|c| CategoryOption { kind: c.kind, slug: c.slug, name: c.name, courses: c.courses })
                        .collect(),
                    locations: locations
                        .into_iter()
                        .map(|l| LocationOption { slug: l.slug, name: l.name, address: l.address })
                        .collect(),
                }))
            })
            .await
            .map_err(Error::from_shared)
    }

    /// Answers `/courses?{raw}`: parses, checks names against the facets,
    /// and returns the page of results.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search(&self, raw: &str) -> Result<SearchResults, Error> {
        let (mut query, mut notices) = CatalogueQuery::from_query_string(raw);
        let epoch = self.epoch.current();
        let facets = self.facets_at(epoch).await?;
        // Names in the URL must exist; an unknown one is dropped, not an error.
        let known_category = |slug: &str| facets.categories.iter().any(|c| c.slug == slug);
        let known_location = |slug: &str| facets.locations.iter().any(|l| l.slug == slug);
        for (field, value, known) in [
            ("category", &mut query.category, &known_category as &dyn Fn(&str) -> bool),
            ("location", &mut query.location, &known_location),
        ] {
            if value.as_deref().is_some_and(|slug| !known(slug)) {
                *value = None;
                notices.push(Notice {
                    field: field.into(),
                    message: format!("That {field} does not exist, so it was left out."),
                });
            }
        }
        let page = self
            .pages
            .try_get_with((epoch, query.clone()), self.load_page(query.clone(), facets))
            .await
            .map_err(Error::from_shared)?;
        let mut page = (*page).clone();
        page.notices = notices;
        Ok(page)
    }

    async fn load_page(&self, query: CatalogueQuery, facets: Arc<Facets>) -> Result<Arc<SearchResults>, Error> {
        let plan = search::Plan {
            query: &query,
            now: Self::now(),
            from: query.from.map(|d| self.start_of_day(d.year, d.month, d.day)),
            until: query.to.and_then(|d| self.day_after(d.year, d.month, d.day)),
        };
        // Every statement of the search on one connection (see `Conn`).
        let mut conn = self.db.acquire().await?;
        let search::Found { rows, total, more, some_words } = search::search(&mut conn, &plan).await?;
        drop(conn);
        let items = rows
            .into_iter()
            .map(|row| CourseSummary {
                price: Money { cents: row.price_cents, currency: row.currency },
                next_session: row.next.into_session(),
                kind: row.kind,
                level: row.level,
                slug: row.slug,
                title: row.title,
                summary: row.summary,
                category: row.category,
                category_slug: row.category_slug,
                duration_hours: row.duration_hours,
            })
            .collect();
        Ok(Arc::new(SearchResults { query, notices: Vec::new(), items, total, more, some_words, facets }))
    }

    /// A published course with its upcoming sessions; `None` for an
    /// unknown or unpublished slug.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn course(&self, slug: &str) -> Result<Option<Arc<Course>>, Error> {
        // Anything that is not a slug cannot name a course (and a NUL byte
        // would not even reach PostgreSQL).
        if !is_slug(slug) {
            return Ok(None);
        }
        let key = (self.epoch.current(), slug.to_string());
        self.courses.try_get_with(key, self.load_course(slug)).await.map_err(Error::from_shared)
    }

    async fn load_course(&self, slug: &str) -> Result<Option<Arc<Course>>, Error> {
        let Some(row) = queries::course_by_slug(&self.db, slug).await? else {
            return Ok(None);
        };
        let now = Self::now();
        let sessions = queries::upcoming_sessions(&self.db, row.id, now, COURSE_PAGE_SESSIONS).await?;
        let instructor = queries::lead_instructor(&self.db, row.id, now).await?.map(|i| Instructor {
            name: i.name,
            title: i.title,
            bio: i.bio,
        });
        Ok(Some(Arc::new(Course {
            price: Money { cents: row.price_cents, currency: row.currency },
            sessions: sessions.into_iter().map(Session::from).collect(),
            instructor,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            description: row.description,
            outcomes: row.outcomes,
            prerequisites: row.prerequisites,
            category: row.category,
            category_slug: row.category_slug,
            kind: row.kind,
            level: row.level,
            duration_hours: row.duration_hours,
            language: row.language,
            awards_certificate: row.awards_certificate,
            updated_at: row.updated_at,
        })))
    }

    /// One session of a published course, with its course and its status
    /// (`scheduled`, `cancelled` or `completed`); `None` for an unknown id.
    /// Read afresh: its seats change by the second.
    pub async fn session(&self, id: i64) -> Result<Option<(UpcomingSession, String)>, Error> {
        Ok(queries::session_by_id(&self.db, id).await?.map(|(row, status)| (UpcomingSession::from(row), status)))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn home(&self) -> Result<Arc<Home>, Error> {
        let epoch = self.epoch.current();
        self.home
            .try_get_with(epoch, async {
                let facets = self.facets_at(epoch).await?;
                let upcoming = queries::next_sessions(&self.db, Self::now(), HOME_SESSIONS).await?;
                Ok::<_, Error>(Arc::new(Home {
                    categories: facets.categories.clone(),
                    upcoming: upcoming.into_iter().map(UpcomingSession::from).collect(),
                }))
            })
            .await
            .map_err(Error::from_shared)
    }

    /// Upcoming dates of published courses, soonest first: of one course
    /// when `course` names it, narrowed by `query`'s mode, location and
    /// days (in the academy's zone, as the catalogue reads them); the
    /// `limit` from `offset`, and how many in all.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sessions(
        &self,
        course: Option<&str>,
        query: &CatalogueQuery,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<UpcomingSession>, i64), Error> {
        let filter = queries::SessionFilter {
            course,
            mode: query.mode,
            location: query.location.as_deref(),
            from: query.from.map(|d| self.start_of_day(d.year, d.month, d.day)),
            until: query.to.and_then(|d| self.day_after(d.year, d.month, d.day)),
        };
        let (rows, total) = queries::sessions_listed(&self.db, &filter, Self::now(), offset, limit).await?;
        let sessions = rows.into_iter().map(UpcomingSession::from).collect();
        Ok((sessions, total))
    }

    /// (path, last modified) of every public page worth indexing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sitemap(&self) -> Result<Vec<(String, Option<DateTime<Utc>>)>, Error> {
        let mut entries: Vec<(String, Option<DateTime<Utc>>)> =
            ["/", "/courses", "/contact", "/terms", "/privacy"].map(|path| (path.to_string(), None)).into();
        for row in queries::published_courses(&self.db).await? {
            entries.push((format!("/courses/{}", row.slug), Some(row.updated_at)));
        }
        Ok(entries)
    }

    /// Midnight at the start of a calendar day in the academy's zone.
    fn start_of_day(&self, year: i32, month: u32, day: u32) -> DateTime<Utc> {
        let date = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
        let local = date.and_time(NaiveTime::MIN);
        // A zone may skip midnight (a DST jump); take the earliest valid instant.
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            chrono::LocalResult::None => self.tz.from_utc_datetime(&local).with_timezone(&Utc),
        }
    }

    fn day_after(&self, year: i32, month: u32, day: u32) -> Option<DateTime<Utc>> {
        let next = chrono::NaiveDate::from_ymd_opt(year, month, day)?.checked_add_days(Days::new(1))?;
        Some(self.start_of_day(next.year(), next.month(), next.day()))
    }
}

impl From<queries::UpcomingRow> for UpcomingSession {
    fn from(row: queries::UpcomingRow) -> Self {
        UpcomingSession {
            session: Session::from(row.session),
            price: Money { cents: row.price_cents, currency: row.currency },
            course_slug: row.course_slug,
            course_title: row.course_title,
        }
    }
}

impl From<queries::SessionRow> for Session {
    fn from(row: queries::SessionRow) -> Self {
        Session {
            id: row.id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            mode: row.mode,
            location: row.location,
            location_address: row.location_address,
            instructor: row.instructor,
            capacity: row.capacity,
            seats_taken: row.seats_taken,
            seats_left: Session::seats_left_of(row.capacity, row.seats_taken),
            waitlist_length: row.waitlist_length,
        }
    }
}
