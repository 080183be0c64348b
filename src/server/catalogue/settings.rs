//! The academy's settings that live in data: the phone, e-mail and
//! opening hours every page gives, and the public holidays on which a
//! series of dates is refused. Staff change them at `/admin/settings`,
//! over a checked version and into the audit trail, like any record.
//!
//! The environment (`LYCEUM_CONTACT_PHONE`, `LYCEUM_CONTACT_EMAIL`,
//! `LYCEUM_OPENING_HOURS`) and the bundled calendar are only what a new
//! database starts with: the first read finds the table empty and fills it
//! (this year's holidays and the next two years'); from then on the data
//! is what counts. The settings are cached with the catalogue and
//! forgotten with it, by every write's commit.

use super::taxonomy_changes::{HolidayChange, SettingsChange};
use super::{Catalogue, Write};
use crate::error::AppError;
use crate::model::account::{Role, User};
use crate::model::form::Field;
use crate::server::audit::{self, Actor, Change, Diff};
use crate::server::auth::must_be;
use crate::server::db::{Db, Tx, Unique, with_pool, with_tx};
use crate::server::error::Error;
use chrono::{Datelike, NaiveDate, Utc};
use moka::future::Cache;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const HOLIDAY_DAY: Unique = Unique { postgres: "public_holidays_day_key", sqlite: "public_holidays.day" };

/// The years of holidays a new database starts with: this one and the next two.
const SEEDED_YEARS: i32 = 3;

/// What a new database starts with, from the environment.
#[derive(Clone, Debug, Default)]
pub struct AcademyDefaults {
    pub phone: String,
    pub email: String,
    pub opening_hours: String,
}

impl From<&crate::server::config::Config> for AcademyDefaults {
    fn from(config: &crate::server::config::Config) -> Self {
        Self {
            phone: config.contact_phone.clone(),
            email: config.contact_email.clone(),
            opening_hours: config.opening_hours.clone(),
        }
    }
}

/// The settings as they are now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Academy {
    pub version: i64,
    pub phone: String,
    pub email: String,
    pub opening_hours: String,
    /// Every holiday, in date order.
    pub holidays: Vec<Holiday>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Holiday {
    pub id: i64,
    pub day: NaiveDate,
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    version: i64,
    phone: String,
    email: String,
    opening_hours: String,
}

impl SettingsRow {
    fn diff(&self, change: &SettingsChange) -> Diff {
        let mut diff = Diff::default();
        diff.field("phone", &self.phone, &change.phone).field("email", &self.email, change.email.as_str()).field(
            "opening_hours",
            &self.opening_hours,
            &change.opening_hours,
        );
        diff
    }
}

/// The cached settings, and what fills the table the first time.
#[derive(Clone)]
pub struct AcademyCache {
    cache: Cache<(), Arc<Academy>>,
    defaults: Arc<AcademyDefaults>,
    /// Set once the table is known to be filled, so only the first read
    /// of a process asks.
    filled: Arc<AtomicBool>,
}

impl AcademyCache {
    pub fn new(ttl: Duration, defaults: AcademyDefaults) -> Self {
        Self {
            cache: Cache::builder().max_capacity(1).time_to_live(ttl.max(Duration::from_millis(1))).build(),
            defaults: Arc::new(defaults),
            filled: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn with_defaults(self, defaults: AcademyDefaults) -> Self {
        Self { defaults: Arc::new(defaults), ..self }
    }

    pub fn forget(&self) {
        self.cache.invalidate_all();
    }
}

/// Fills the settings of a new database from `defaults` and the bundled
/// calendar (the holidays of `today`'s year and the next two), in one
/// transaction. Two instances starting at once fill them once: the row's
/// fixed id lets only one insert it, and only that one adds the holidays.
/// Returns whether this call filled them.
pub async fn fill_if_empty(db: &Db, defaults: &AcademyDefaults, today: NaiveDate) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let inserted = with_tx!(&mut tx, |c| {
        sqlx::query(
            "INSERT INTO academy_settings (id, phone, email, opening_hours, version, updated_at) \
             VALUES (1, $1, $2, $3, 1, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&defaults.phone)
        .bind(&defaults.email)
        .bind(&defaults.opening_hours)
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|done| done.rows_affected())
    })?;
    if inserted == 1 {
        let year = today.year();
        for (day, name) in crate::server::seed::demo::named_holidays(year..=year + SEEDED_YEARS - 1) {
            with_tx!(&mut tx, |c| {
                sqlx::query("INSERT INTO public_holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
                    .bind(day)
                    .bind(&name)
                    .execute(c)
                    .await
                    .map(|_| ())
            })?;
        }
    }
    tx.commit().await?;
    Ok(inserted == 1)
}

async fn read_settings(tx: &mut Tx) -> Result<Option<SettingsRow>, sqlx::Error> {
    with_tx!(tx, |c| {
        sqlx::query_as::<_, SettingsRow>(
            "SELECT version, phone, email, opening_hours FROM academy_settings WHERE id = 1",
        )
        .fetch_optional(c)
        .await
    })
}

impl Catalogue {
    /// Fills the settings of a new database (see [`fill_if_empty`]), once
    /// a process.
    pub async fn fill_academy(&self) -> Result<(), Error> {
        if self.academy.filled.load(Ordering::Acquire) {
            return Ok(());
        }
        let today = Utc::now().with_timezone(&self.tz).date_naive();
        if fill_if_empty(&self.db, &self.academy.defaults, today).await? {
            tracing::debug!("empty settings: the academy's contact details and holidays filled from the environment");
        }
        self.academy.filled.store(true, Ordering::Release);
        Ok(())
    }

    /// The academy's settings, from the cache when it has them.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn academy(&self) -> Result<Arc<Academy>, Error> {
        self.academy
            .cache
            .try_get_with((), async {
                self.fill_academy().await?;
                let row = with_pool!(self.db, |pool| {
                    sqlx::query_as::<_, SettingsRow>(
                        "SELECT version, phone, email, opening_hours FROM academy_settings WHERE id = 1",
                    )
                    .fetch_one(pool)
                    .await
                })?;
                let holidays = with_pool!(self.db, |pool| {
                    sqlx::query_as::<_, Holiday>("SELECT id, day, name FROM public_holidays ORDER BY day")
                        .fetch_all(pool)
                        .await
                })?;
                Ok::<_, Error>(Arc::new(Academy {
                    version: row.version,
                    phone: row.phone,
                    email: row.email,
                    opening_hours: row.opening_hours,
                    holidays,
                }))
            })
            .await
            .map_err(Error::from_shared)
    }

    /// The days the academy is closed, besides weekends: its public holidays.
    pub async fn closed_days(&self) -> Result<Vec<NaiveDate>, Error> {
        Ok(self.academy().await?.holidays.iter().map(|h| h.day).collect())
    }

    /// The settings as staff edit them: read afresh, not from the cache.
    pub async fn academy_record(&self, actor: &User) -> Result<Arc<Academy>, Error> {
        must_be(actor, Role::Staff)?;
        self.academy.forget();
        self.academy().await
    }

    /// Saves the contact details over `version`, the one the editor read.
    pub async fn update_academy(&self, actor: Actor<'_>, version: i64, change: SettingsChange) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        self.fill_academy().await?;
        let mut write = self.begin_write().await?;
        let before = read_settings(write.tx()).await?.ok_or(Error::NotFound)?;
        if before.version != version {
            return Err(stale(&before, &change));
        }
        let diff = before.diff(&change);
        if diff.is_empty() {
            return Ok(());
        }
        let updated = with_tx!(write.tx(), |c| {
            sqlx::query(
                "UPDATE academy_settings SET phone = $1, email = $2, opening_hours = $3, updated_at = $4, \
                 version = version + 1 WHERE id = 1 AND version = $5",
            )
            .bind(&change.phone)
            .bind(change.email.as_str())
            .bind(&change.opening_hours)
            .bind(Utc::now())
            .bind(version)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        if updated != 1 {
            drop(write);
            let mut tx = self.db.begin().await?;
            let now = read_settings(&mut tx).await?.ok_or(Error::NotFound)?;
            return Err(stale(&now, &change));
        }
        record(&mut write, actor, "settings.updated", "settings", 1, &diff).await?;
        write.commit().await
    }

    /// Adds a public holiday; a day that has one already is refused.
    pub async fn add_holiday(&self, actor: Actor<'_>, change: HolidayChange) -> Result<i64, Error> {
        must_be(actor.user, Role::Staff)?;
        self.fill_academy().await?;
        let mut write = self.begin_write().await?;
        let inserted: Result<i64, sqlx::Error> = with_tx!(write.tx(), |c| {
            sqlx::query_scalar("INSERT INTO public_holidays (day, name) VALUES ($1, $2) RETURNING id")
                .bind(change.date)
                .bind(&change.name)
                .fetch_one(c)
                .await
        });
        let id = inserted.map_err(|e| HOLIDAY_DAY.as_field_error(e, Field::Date))?;
        let mut diff = Diff::default();
        diff.created("day", change.date).created("name", &change.name);
        record(&mut write, actor, "holiday.created", "holiday", id, &diff).await?;
        write.commit().await?;
        Ok(id)
    }

    /// Removes a public holiday: that day can be scheduled again.
    pub async fn remove_holiday(&self, actor: Actor<'_>, id: i64) -> Result<(), Error> {
        must_be(actor.user, Role::Staff)?;
        let mut write = self.begin_write().await?;
        let before: Option<(NaiveDate, String)> = with_tx!(write.tx(), |c| {
            sqlx::query_as("SELECT day, name FROM public_holidays WHERE id = $1").bind(id).fetch_optional(c).await
        })?;
        let (day, name) = before.ok_or(Error::NotFound)?;
        with_tx!(write.tx(), |c| {
            sqlx::query("DELETE FROM public_holidays WHERE id = $1").bind(id).execute(c).await.map(|_| ())
        })?;
        let mut diff = Diff::default();
        diff.field("day", day, "").field("name", name, "");
        record(&mut write, actor, "holiday.deleted", "holiday", id, &diff).await?;
        write.commit().await
    }
}

fn stale(now: &SettingsRow, change: &SettingsChange) -> Error {
    let changes =
        now.diff(change).changes().iter().map(|c| (c.field.clone(), c.before.clone().unwrap_or_default())).collect();
    Error::Refused(AppError::Stale { version: now.version, changes })
}

async fn record(
    write: &mut Write<'_>,
    actor: Actor<'_>,
    action: &str,
    entity: &str,
    id: i64,
    diff: &Diff,
) -> Result<(), Error> {
    let change = Change { action, entity, entity_id: id, about: None, diff };
    audit::change_in(write.tx(), actor, change).await?;
    Ok(())
}
