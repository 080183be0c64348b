//! Courses and dates imported from a CSV file, all or nothing.
//!
//! Every row is parsed into the same typed command a form makes
//! ([`CourseChange::parse`], [`ScheduleChange::parse`]) and checked by the
//! same rules, then against the database (a category, campus, instructor
//! or course that must exist; a slug that must not) and against the other
//! rows (the same slug twice, the same course at the same time twice). Any
//! problem refuses the whole file, naming each (row, column); nothing is
//! stored. Only when every row is good is one transaction opened, and every
//! record written through the forms' own insert ([`edit::insert_course`],
//! [`Catalogue::insert_session`]) with its own audit entry.
//!
//! A course whose slug already exists is refused, never updated: a file
//! carries no version to check an update against (see `edit`), and a
//! second import of the same file must not change anything.
//!
//! The work is arranged so the writer is held for as short a time as can
//! be: the file is read and parsed on a blocking thread, the lookups run
//! before the transaction, and only the inserts run inside it (on SQLite
//! the one writer, so other writes queue behind it; readers carry on).
//! Each record keeps its own audit entry, as from the form: it doubles the
//! statements, and measured on 10,000 courses (unoptimised build) the
//! writer is held about 2.6 s on SQLite instead of 1.3 s, and 6 s instead
//! of 3 s on PostgreSQL, which is still seconds, for a trail that can be
//! searched record by record.

use super::changes::{CourseChange, CourseForm, ScheduleChange, ScheduleForm};
use super::schedule::{Place, plan};
use super::{Catalogue, edit};
use crate::model::account::Role;
use crate::model::form::{Field, FieldError};
use crate::model::import::{ImportColumn, ImportKind, ImportRefusal, RowProblem};
use crate::server::audit::Actor;
use crate::server::auth::must_be;
use crate::server::csv_files::{self, Sheet};
use crate::server::db::with_pool;
use crate::server::error::Error;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// The most rows one file may have.
pub const MAX_ROWS: usize = 20_000;
/// The most problems a refusal lists (it says how many more there are).
const SHOWN_PROBLEMS: usize = 200;

/// (heading, required, what it holds) of a courses file.
const COURSE_COLUMNS: [(&str, bool, &str); 12] = [
    ("slug", false, "The course's address, /courses/this-part. Left empty, it is made from the title."),
    ("title", true, "The course's name."),
    ("category", true, "A category's slug, as in the Courses list's filter."),
    ("summary", true, "One or two sentences for the course's card."),
    ("description", true, "Markdown."),
    ("outcomes", false, "One per line."),
    ("prerequisites", false, "Text."),
    ("level", true, "beginner, intermediate or advanced."),
    ("duration_hours", true, "Hours of teaching, a whole number."),
    ("price", true, "In euros: 1495 or 1495.50."),
    ("language", true, "en or mt."),
    ("awards_certificate", false, "yes or no (empty is no)."),
];

/// (heading, required, what it holds) of a dates file.
const SESSION_COLUMNS: [(&str, bool, &str); 10] = [
    ("course", true, "The course's slug; the course must exist and not be archived."),
    ("date", true, "The first date, 2027-03-22, in the academy's zone."),
    ("start_time", true, "09:00, the academy's local time."),
    ("end_time", true, "17:00, the academy's local time."),
    ("mode", true, "online or in-person."),
    ("campus", false, "A campus's slug; required in person."),
    ("instructor", false, "An instructor's slug, or empty."),
    ("capacity", true, "Seats, a whole number."),
    ("weeks", false, "One date a week for this many weeks; empty for one."),
    ("allow_holidays", false, "yes to schedule on public holidays too."),
];

fn columns(list: &[(&str, bool, &str)]) -> Vec<ImportColumn> {
    list.iter()
        .map(|(heading, required, help)| ImportColumn {
            heading: heading.to_string(),
            required: *required,
            help: help.to_string(),
        })
        .collect()
}

/// The columns of each kind of file, for the page to list.
pub fn course_columns() -> Vec<ImportColumn> {
    columns(&COURSE_COLUMNS)
}

pub fn session_columns() -> Vec<ImportColumn> {
    columns(&SESSION_COLUMNS)
}

/// The column a form's field is read from.
fn column_of(field: Field) -> &'static str {
    match field {
        Field::StartDate => "date",
        Field::Location => "campus",
        Field::Price => "price",
        other => other.key(),
    }
}

/// A file's problems as they are found.
#[derive(Default)]
struct Problems(Vec<RowProblem>);

impl Problems {
    fn add(&mut self, row: u64, column: &str, message: impl Into<String>) {
        self.0.push(RowProblem { row, column: column.to_string(), message: message.into() });
    }

    fn fields(&mut self, row: u64, errors: &[FieldError]) {
        for error in errors {
            self.add(row, column_of(error.field), error.problem.message());
        }
    }

    /// The refusal of a file with these problems, if it has any.
    fn refusal(mut self, kind: ImportKind, rows: usize) -> Option<ImportRefusal> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_by_key(|p| p.row);
        let more = self.0.len().saturating_sub(SHOWN_PROBLEMS) as u64;
        self.0.truncate(SHOWN_PROBLEMS);
        Some(ImportRefusal::Rows { kind, rows: rows as u64, problems: self.0, more })
    }
}

/// Cell text quoted in a message: at most 60 characters of it.
fn quoted(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() { format!("\"{short}…\"") } else { format!("\"{short}\"") }
}

/// Reads `row`'s cells by heading.
struct Cells<'a> {
    sheet: &'a Sheet,
    cells: &'a [String],
}

impl Cells<'_> {
    fn get(&self, heading: &str) -> String {
        self.sheet.column(heading).and_then(|i| self.cells.get(i)).cloned().unwrap_or_default()
    }

    /// A yes-or-no cell: empty is no.
    fn flag(&self, heading: &str, row: u64, problems: &mut Problems) -> bool {
        match self.get(heading).trim().to_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" => false,
            "yes" | "y" | "true" | "1" | "x" => true,
            _ => {
                problems.add(row, heading, "Write yes or no.");
                false
            }
        }
    }
}

/// The headings' own problems: a required column missing, a column twice.
fn check_headings(sheet: &Sheet, list: &[(&str, bool, &str)], problems: &mut Problems) {
    for (heading, required, _) in list {
        match sheet.headings.iter().filter(|h| h == heading).count() {
            0 if *required => problems.add(1, heading, "This column is missing: every file of this kind needs it."),
            0 | 1 => {}
            _ => problems.add(1, heading, "This column is there twice."),
        }
    }
}

/// What a courses file says, row by row: the changes that parsed, and the
/// problems of those that did not. Pure, for a blocking thread.
fn parse_courses(sheet: &Sheet) -> (Vec<(u64, CourseChange)>, Problems) {
    let mut problems = Problems::default();
    check_headings(sheet, &COURSE_COLUMNS, &mut problems);
    if !problems.0.is_empty() {
        return (Vec::new(), problems);
    }
    let mut changes = Vec::with_capacity(sheet.rows.len());
    let mut first_row_of: HashMap<String, u64> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let (row, cells) = (*row, Cells { sheet, cells });
        let form = CourseForm {
            slug: cells.get("slug"),
            title: cells.get("title"),
            category: cells.get("category"),
            summary: cells.get("summary"),
            description: cells.get("description"),
            outcomes: cells.get("outcomes"),
            prerequisites: cells.get("prerequisites"),
            level: cells.get("level"),
            duration_hours: cells.get("duration_hours"),
            price: cells.get("price"),
            language: cells.get("language"),
            awards_certificate: cells.flag("awards_certificate", row, &mut problems),
        };
        match CourseChange::parse(&form) {
            Ok(change) => {
                match first_row_of.get(&change.slug) {
                    Some(first) => {
                        problems.add(row, "slug", format!("{} is also on row {first}.", quoted(&change.slug)))
                    }
                    None => {
                        first_row_of.insert(change.slug.clone(), row);
                    }
                }
                changes.push((row, change));
            }
            Err(errors) => problems.fields(row, &errors),
        }
    }
    (changes, problems)
}

/// A dates row, parsed: its course's slug and its schedule.
struct SessionRow {
    row: u64,
    course: String,
    change: ScheduleChange,
}

fn parse_sessions(sheet: &Sheet) -> (Vec<SessionRow>, Problems) {
    let mut problems = Problems::default();
    check_headings(sheet, &SESSION_COLUMNS, &mut problems);
    if !problems.0.is_empty() {
        return (Vec::new(), problems);
    }
    let mut parsed = Vec::with_capacity(sheet.rows.len());
    for (row, cells) in &sheet.rows {
        let (row, cells) = (*row, Cells { sheet, cells });
        let course = cells.get("course").trim().to_string();
        if course.is_empty() {
            problems.add(row, "course", "This field is required.");
        }
        let form = ScheduleForm {
            start_date: cells.get("date"),
            start_time: cells.get("start_time"),
            end_time: cells.get("end_time"),
            mode: cells.get("mode"),
            location: cells.get("campus"),
            instructor: cells.get("instructor"),
            capacity: cells.get("capacity"),
            weeks: cells.get("weeks"),
            allow_holidays: cells.flag("allow_holidays", row, &mut problems),
        };
        match ScheduleChange::parse(&form) {
            Ok(change) if !course.is_empty() => parsed.push(SessionRow { row, course, change }),
            Ok(_) => {}
            Err(errors) => problems.fields(row, &errors),
        }
    }
    (parsed, problems)
}

/// A file read and parsed, off the async runtime.
enum Parsed {
    Courses(Vec<(u64, CourseChange)>, Problems, usize),
    Sessions(Vec<SessionRow>, Problems, usize),
}

fn read_and_parse(kind: ImportKind, bytes: &[u8]) -> Result<Parsed, ImportRefusal> {
    let sheet = csv_files::read(bytes).map_err(|why| ImportRefusal::Unreadable { message: why.message() })?;
    if sheet.rows.len() > MAX_ROWS {
        let message = format!("The file has {} rows; one file may have at most {MAX_ROWS}.", sheet.rows.len());
        return Err(ImportRefusal::Unreadable { message });
    }
    if sheet.rows.is_empty() {
        return Err(ImportRefusal::Unreadable { message: "The file has headings but no rows to import.".into() });
    }
    let rows = sheet.rows.len();
    Ok(match kind {
        ImportKind::Courses => {
            let (changes, problems) = parse_courses(&sheet);
            Parsed::Courses(changes, problems, rows)
        }
        ImportKind::Sessions => {
            let (parsed, problems) = parse_sessions(&sheet);
            Parsed::Sessions(parsed, problems, rows)
        }
    })
}

/// What an import did: how many records it created, or why it created none.
pub type Imported = Result<u64, ImportRefusal>;

impl Catalogue {
    /// Imports a CSV file of `kind`, all of it or nothing.
    #[tracing::instrument(skip_all, fields(kind = kind.as_str(), bytes = bytes.len()))]
    pub async fn import(&self, actor: Actor<'_>, kind: ImportKind, bytes: Vec<u8>) -> Result<Imported, Error> {
        must_be(actor.user, Role::Staff)?;
        let parsed = tokio::task::spawn_blocking(move || read_and_parse(kind, &bytes))
            .await
            .map_err(|e| Error::Internal(format!("import: {e}")))?;
        let imported = match parsed {
            Err(refusal) => Err(refusal),
            Ok(Parsed::Courses(changes, problems, rows)) => self.import_courses(actor, changes, problems, rows).await?,
            Ok(Parsed::Sessions(parsed, problems, rows)) => self.import_sessions(actor, parsed, problems, rows).await?,
        };
        if let Err(refusal) = &imported {
            tracing::info!(status = refusal.status(), "import refused, nothing stored");
        }
        Ok(imported)
    }

    async fn import_courses(
        &self,
        actor: Actor<'_>,
        changes: Vec<(u64, CourseChange)>,
        mut problems: Problems,
        rows: usize,
    ) -> Result<Imported, Error> {
        let categories: HashMap<String, i64> =
            with_pool!(self.db, |pool| sqlx::query_as("SELECT slug, id FROM categories").fetch_all(pool).await)?
                .into_iter()
                .collect();
        let slugs: HashSet<String> =
            with_pool!(self.db, |pool| sqlx::query_scalar("SELECT slug FROM courses").fetch_all(pool).await)?
                .into_iter()
                .collect();
        let mut ready = Vec::with_capacity(changes.len());
        for (row, change) in changes {
            if slugs.contains(&change.slug) {
                let message = format!("A course with the address {} exists already.", quoted(&change.slug));
                problems.add(row, "slug", message);
            }
            match categories.get(&change.category) {
                Some(category) => ready.push((row, *category, change)),
                None => problems.add(row, "category", format!("There is no category {}.", quoted(&change.category))),
            }
        }
        if let Some(refusal) = problems.refusal(ImportKind::Courses, rows) {
            return Ok(Err(refusal));
        }
        let now = Utc::now();
        let held = std::time::Instant::now();
        let mut write = self.begin_write().await?;
        for (row, category, change) in &ready {
            let id = match edit::insert_course(write.tx(), *category, change, now).await {
                Ok(id) => id,
                // Created by someone else since the check above.
                Err(error) if edit::is_taken_slug(&error) => {
                    let mut taken = Problems::default();
                    taken.add(
                        *row,
                        "slug",
                        format!("A course with the address {} exists already.", quoted(&change.slug)),
                    );
                    return Ok(Err(taken.refusal(ImportKind::Courses, rows).expect("a problem")));
                }
                Err(error) => return Err(error.into()),
            };
            edit::record_created(&mut write, actor, id, change).await?;
        }
        write.commit().await?;
        tracing::info!(held_ms = held.elapsed().as_millis() as u64, created = ready.len(), "courses imported");
        Ok(Ok(ready.len() as u64))
    }

    async fn import_sessions(
        &self,
        actor: Actor<'_>,
        parsed: Vec<SessionRow>,
        mut problems: Problems,
        rows: usize,
    ) -> Result<Imported, Error> {
        let lookup = async |sql: &str| -> Result<HashMap<String, i64>, Error> {
            let pairs: Vec<(String, i64)> = with_pool!(self.db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
            Ok(pairs.into_iter().collect())
        };
        let courses = lookup("SELECT slug, id FROM courses WHERE NOT archived").await?;
        // The holidays are read once for the whole file, not once per row.
        let closed = self.closed_days().await?;
        let archived = lookup("SELECT slug, id FROM courses WHERE archived").await?;
        let locations = lookup("SELECT slug, id FROM locations").await?;
        let instructors = lookup("SELECT slug, id FROM instructors").await?;
        let now = Utc::now();
        let taken: Vec<(i64, DateTime<Utc>)> = with_pool!(self.db, |pool| {
            sqlx::query_as(
                "SELECT course_id, starts_at FROM course_sessions WHERE starts_at > $1 AND status <> 'cancelled'",
            )
            .bind(now)
            .fetch_all(pool)
            .await
        })?;
        let mut booked: HashMap<(i64, DateTime<Utc>), Option<u64>> = taken.into_iter().map(|key| (key, None)).collect();
        let mut ready = Vec::with_capacity(parsed.len());
        for SessionRow { row, course, change } in parsed {
            let course_id = match courses.get(&course) {
                Some(id) => Some(*id),
                None if archived.contains_key(&course) => {
                    problems.add(row, "course", format!("The course {} is archived.", quoted(&course)));
                    None
                }
                None => {
                    problems.add(row, "course", format!("There is no course {}.", quoted(&course)));
                    None
                }
            };
            let mut id_of = |slug: &Option<String>, table: &HashMap<String, i64>, column: &str, what: &str| match slug {
                None => None,
                Some(slug) => {
                    let id = table.get(slug).copied();
                    if id.is_none() {
                        problems.add(row, column, format!("There is no {what} {}.", quoted(slug)));
                    }
                    id
                }
            };
            let location = id_of(&change.location, &locations, "campus", "campus");
            let instructor = id_of(&change.instructor, &instructors, "instructor", "instructor");
            let planned = match plan(&change, self.tz, now, &closed) {
                Ok(planned) => planned,
                Err(errors) => {
                    problems.fields(row, &errors);
                    continue;
                }
            };
            let Some(course_id) = course_id else { continue };
            for (starts_at, _) in &planned {
                match booked.insert((course_id, *starts_at), Some(row)) {
                    None => {}
                    Some(None) => problems.add(row, "date", "The course already has a date at this time."),
                    Some(Some(first)) => {
                        problems.add(row, "date", format!("Row {first} has the same course at the same time."))
                    }
                }
            }
            // A campus or instructor not found is a problem above: the file is refused.
            ready.push((change, Place { course_id, location, instructor }, planned));
        }
        if let Some(refusal) = problems.refusal(ImportKind::Sessions, rows) {
            return Ok(Err(refusal));
        }
        let held = std::time::Instant::now();
        let mut write = self.begin_write().await?;
        let mut created = 0;
        for (change, place, planned) in &ready {
            for when in planned {
                self.insert_session(&mut write, actor, change, place, *when, now).await?;
                created += 1;
            }
        }
        write.commit().await?;
        tracing::info!(held_ms = held.elapsed().as_millis() as u64, created, "sessions imported");
        Ok(Ok(created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> Sheet {
        csv_files::read(text.as_bytes()).unwrap()
    }

    const HEAD: &str = "title,category,summary,description,level,duration_hours,price,language,awards_certificate,id\n";

    #[test]
    fn course_rows_become_the_forms_changes_in_any_column_order() {
        let text = format!("{HEAD}Python,programming,Short.,Long.,beginner,21,\"1,495.50\",en,yes,7\n");
        let (changes, problems) = parse_courses(&sheet(&text));
        assert!(problems.0.is_empty());
        let (row, change) = &changes[0];
        assert_eq!(
            (*row, change.slug.as_str(), change.price_cents, change.awards_certificate),
            (2, "python", 149_550, true)
        );
    }

    #[test]
    fn every_problem_is_named_by_row_and_column() {
        let text = format!(
            "{HEAD}Python,programming,Short.,Long.,beginner,21,100,en,,\n\
             Python,programming,Short.,Long.,expert,0,100,en,maybe,\n\
             ,programming,Short.,Long.,beginner,1,1,en,,\n"
        );
        let (_, problems) = parse_courses(&sheet(&text));
        let found: Vec<(u64, &str)> = problems.0.iter().map(|p| (p.row, p.column.as_str())).collect();
        for expected in [(3, "awards_certificate"), (3, "level"), (3, "duration_hours"), (4, "title")] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
        let twice = format!(
            "{HEAD}Python,programming,Short.,Long.,beginner,21,100,en,,\n\n\
             Python,programming,Short.,Long.,beginner,21,100,en,,\n"
        );
        let (_, problems) = parse_courses(&sheet(&twice));
        assert_eq!(
            problems.0,
            [RowProblem { row: 4, column: "slug".into(), message: "\"python\" is also on row 2.".into() }]
        );
        let (_, problems) = parse_courses(&sheet("title,category\nx,y\n"));
        assert!(problems.0.iter().any(|p| p.row == 1 && p.column == "price"), "a missing column is row 1's");
    }

    #[test]
    fn session_rows_name_their_columns() {
        let text = "course,date,start_time,end_time,mode,capacity,campus\n\
                    python,2099-01-05,17:00,09:00,in-person,12,\n";
        let (parsed, problems) = parse_sessions(&sheet(text));
        assert!(parsed.is_empty());
        let found: Vec<&str> = problems.0.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(found, ["end_time", "campus"]);
    }
}
