//! The demo academy's categories, campuses and instructors, read from the
//! bundled `demo_catalogue.json` and stored once (existing slugs are kept).

use crate::server::db::{Db, with_pool};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub struct DemoCatalogue {
    /// The public holidays on which the academy is closed.
    pub holidays: Vec<HolidaySeed>,
    pub categories: Vec<CategorySeed>,
    pub locations: Vec<LocationSeed>,
    pub instructors: Vec<InstructorSeed>,
    pub courses: Vec<CourseSeed>,
}

/// A public holiday: on a fixed day (`MM-DD`) every year, or a number of
/// days from Easter Sunday (Good Friday is -2).
#[derive(Debug, Deserialize)]
pub struct HolidaySeed {
    pub name: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub easter: Option<i64>,
}

impl HolidaySeed {
    /// The holiday's date in `year`.
    pub fn in_year(&self, year: i32) -> Option<chrono::NaiveDate> {
        match (&self.date, self.easter) {
            (Some(date), _) => {
                let (month, day) = date.split_once('-')?;
                chrono::NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
            }
            (None, Some(days)) => easter_sunday(year).checked_add_signed(chrono::Duration::days(days)),
            (None, None) => None,
        }
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm
/// published in Nature, 1876).
pub fn easter_sunday(year: i32) -> chrono::NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    chrono::NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is in March or April")
}

#[derive(Debug, Deserialize)]
pub struct CategorySeed {
    pub slug: String,
    pub name: String,
    /// Words the category is known by besides its name, for search.
    #[serde(default)]
    pub keywords: String,
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
pub struct LocationSeed {
    pub slug: String,
    pub name: String,
    pub address: String,
    pub city: String,
}

#[derive(Debug, Deserialize)]
pub struct InstructorSeed {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
}

#[derive(Debug, Deserialize)]
pub struct CourseSeed {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub level: String,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub currency: String,
    pub language: String,
    pub certificate: bool,
    pub summary: String,
    pub description: String,
    pub outcomes: Vec<String>,
    pub prerequisites: String,
    pub instructor: String,
    pub modes: Vec<String>,
    pub capacity: i64,
}

pub fn demo_catalogue() -> DemoCatalogue {
    serde_json::from_str(include_str!("demo_catalogue.json")).expect("the bundled demo catalogue is valid JSON")
}

/// Ids by slug of what is stored after the call.
pub struct Taxonomy {
    pub categories: HashMap<String, i64>,
    pub locations: HashMap<String, i64>,
    pub instructors: HashMap<String, i64>,
}

pub async fn ensure(db: &Db, demo: &DemoCatalogue) -> Result<Taxonomy, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        for (position, c) in demo.categories.iter().enumerate() {
            sqlx::query(
                "INSERT INTO categories (slug, name, keywords, kind, description, position) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING",
            )
            .bind(&c.slug)
            .bind(&c.name)
            .bind(&c.keywords)
            .bind(&c.kind)
            .bind(&c.description)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        for l in &demo.locations {
            sqlx::query(
                "INSERT INTO locations (slug, name, address, city) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING",
            )
            .bind(&l.slug)
            .bind(&l.name)
            .bind(&l.address)
            .bind(&l.city)
            .execute(&mut *tx)
            .await?;
        }
        for i in &demo.instructors {
            sqlx::query("INSERT INTO instructors (slug, name, title, bio) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING")
                .bind(&i.slug)
                .bind(&i.name)
                .bind(&i.title)
                .bind(&i.bio)
                .execute(&mut *tx)
                .await?;
        }
        let ids = |rows: Vec<(i64, String)>| rows.into_iter().map(|(id, slug)| (slug, id)).collect();
        let categories = ids(sqlx::query_as("SELECT id, slug FROM categories").fetch_all(&mut *tx).await?);
        let locations = ids(sqlx::query_as("SELECT id, slug FROM locations").fetch_all(&mut *tx).await?);
        let instructors = ids(sqlx::query_as("SELECT id, slug FROM instructors").fetch_all(&mut *tx).await?);
        tx.commit().await?;
        Ok(Taxonomy { categories, locations, instructors })
    })
}
