//! What staff send to change the catalogue, parsed once at the edge into
//! typed commands: the back office's forms, the CSV import and the REST
//! API all arrive as text and all leave here as the same values, checked
//! by the same rules.

use crate::model::form::{Checks, Field, FieldError, Problem, check_line, check_text};
use crate::model::query::{Level, Mode, is_slug};

pub use crate::model::admin::{
    CAPACITY_MAX, DESCRIPTION_MAX, DURATION_MAX_HOURS, LANGUAGES, OUTCOMES_MAX, PREREQUISITES_MAX, PRICE_MAX_CENTS,
    SLUG_MAX, SUMMARY_MAX, TITLE_MAX, WEEKS_MAX,
};

/// A course form as it arrives: text, field by field.
#[derive(Clone, Debug, Default)]
pub struct CourseForm {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub outcomes: String,
    pub prerequisites: String,
    pub level: String,
    pub duration_hours: String,
    pub price: String,
    pub language: String,
    pub awards_certificate: bool,
}

/// A course's content, checked: what creating or editing a course sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseChange {
    pub slug: String,
    pub title: String,
    /// The category's slug; that it exists is checked where it is written.
    pub category: String,
    pub summary: String,
    /// Markdown, rendered and cleaned when shown.
    pub description: String,
    /// One outcome per line.
    pub outcomes: String,
    pub prerequisites: String,
    pub level: Level,
    pub duration_hours: i64,
    pub price_cents: i64,
    pub language: String,
    pub awards_certificate: bool,
}

impl CourseChange {
    pub fn parse(form: &CourseForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.check(Field::Title, check_line(&form.title, true, TITLE_MAX));
        let slug = match form.slug.trim() {
            "" => slug_of(&form.title),
            typed => typed.to_string(),
        };
        if !form.title.trim().is_empty() || !form.slug.trim().is_empty() {
            checks.check(Field::Slug, check_slug(&slug));
        }
        let category = form.category.trim();
        checks.check(Field::Category, if category.is_empty() { Err(Problem::Required) } else { Ok(()) });
        checks.check(Field::Summary, check_line(&form.summary, true, SUMMARY_MAX));
        checks.check(Field::Description, required_text(&form.description, DESCRIPTION_MAX));
        checks.check(Field::Outcomes, check_text(&form.outcomes, OUTCOMES_MAX));
        checks.check(Field::Prerequisites, check_text(&form.prerequisites, PREREQUISITES_MAX));
        let level = checks.take(Field::Level, Level::parse(form.level.trim()).ok_or(Problem::UnknownChoice));
        let duration_hours =
            checks.take(Field::DurationHours, whole_number(&form.duration_hours, 1, DURATION_MAX_HOURS));
        let price_cents = checks.take(Field::Price, price_cents(&form.price));
        let language = form.language.trim();
        checks.check(
            Field::Language,
            if LANGUAGES.iter().any(|(code, _)| *code == language) { Ok(()) } else { Err(Problem::UnknownChoice) },
        );
        checks.finish()?;
        let (Some(level), Some(duration_hours), Some(price_cents)) = (level, duration_hours, price_cents) else {
            unreachable!("a field that did not parse is an error above")
        };
        Ok(CourseChange {
            slug,
            title: form.title.trim().to_string(),
            category: category.to_string(),
            summary: form.summary.trim().to_string(),
            description: normalise_text(&form.description),
            outcomes: normalise_lines(&form.outcomes),
            prerequisites: normalise_text(&form.prerequisites),
            level,
            duration_hours,
            price_cents,
            language: language.to_string(),
            awards_certificate: form.awards_certificate,
        })
    }
}

/// A paragraph that must not be empty.
fn required_text(text: &str, max: usize) -> Result<(), Problem> {
    if text.trim().is_empty() { Err(Problem::Required) } else { check_text(text, max) }
}

pub fn check_slug(slug: &str) -> Result<(), Problem> {
    if slug.chars().count() > SLUG_MAX {
        Err(Problem::TooLong { max: SLUG_MAX as u16 })
    } else if !is_slug(slug) || slug.contains("--") || slug.starts_with('-') || slug.ends_with('-') {
        Err(Problem::MalformedSlug)
    } else {
        Ok(())
    }
}

/// The slug a title suggests: lowercase ASCII letters and digits, words
/// joined by single hyphens ("C# & .NET: the basics" → "c-net-the-basics").
pub fn slug_of(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= SLUG_MAX {
            break;
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// A whole number from `min` to `max`.
pub fn whole_number(text: &str, min: i64, max: i64) -> Result<i64, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let n: i64 = text.parse().map_err(|_| Problem::MalformedNumber)?;
    let clamp = |n: i64| u16::try_from(n).unwrap_or(u16::MAX);
    if (min..=max).contains(&n) { Ok(n) } else { Err(Problem::OutOfRange { min: clamp(min), max: clamp(max) }) }
}

/// An amount in major units ("1495", "1,495.50", "€ 99") as minor units.
/// Thousands may be grouped with commas; at most two decimals.
pub fn price_cents(text: &str) -> Result<i64, Problem> {
    let text: String = text.trim().trim_start_matches('€').chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 || whole.len() > 9 {
        return Err(Problem::MalformedPrice);
    }
    let cents = whole.parse::<i64>().map_err(|_| Problem::MalformedPrice)? * 100
        + format!("{fraction:0<2}").parse::<i64>().map_err(|_| Problem::MalformedPrice)?;
    if cents > PRICE_MAX_CENTS { Err(Problem::MalformedPrice) } else { Ok(cents) }
}

/// Line breaks as `\n`, no trailing space at line ends, none around the text.
pub fn normalise_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// One item per line, blank lines dropped.
fn normalise_lines(text: &str) -> String {
    normalise_text(text).lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

/// A session, or a weekly series of them, as the form sends it.
#[derive(Clone, Debug, Default)]
pub struct ScheduleForm {
    pub start_date: String,
    pub start_time: String,
    pub end_time: String,
    pub mode: String,
    pub location: String,
    pub instructor: String,
    pub capacity: String,
    /// How many weekly dates; empty for one.
    pub weeks: String,
    /// Schedule on public holidays too.
    pub allow_holidays: bool,
}

/// A schedule, checked: dates and times are the academy's wall clock,
/// turned into instants where it is written (that needs the zone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleChange {
    pub start_date: chrono::NaiveDate,
    pub start_time: chrono::NaiveTime,
    pub end_time: chrono::NaiveTime,
    pub mode: Mode,
    /// A location's slug, for a session in person.
    pub location: Option<String>,
    /// An instructor's slug, if one is named.
    pub instructor: Option<String>,
    pub capacity: i64,
    pub weeks: i64,
    pub allow_holidays: bool,
}

impl ScheduleChange {
    pub fn parse(form: &ScheduleForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        let times = day_and_times(&mut checks, &form.start_date, &form.start_time, &form.end_time);
        let mode = checks.take(Field::Mode, Mode::parse(form.mode.trim()).ok_or(Problem::UnknownChoice));
        let location = Some(form.location.trim().to_string()).filter(|l| !l.is_empty());
        if mode == Some(Mode::InPerson) && location.is_none() {
            checks.add(Field::Location, Problem::Required);
        }
        let instructor = Some(form.instructor.trim().to_string()).filter(|l| !l.is_empty());
        let capacity = checks.take(Field::Capacity, whole_number(&form.capacity, 1, CAPACITY_MAX));
        let weeks = match form.weeks.trim() {
            "" => Some(1),
            text => checks.take(Field::Weeks, whole_number(text, 1, WEEKS_MAX)),
        };
        checks.finish()?;
        let (Some((start_date, start_time, end_time)), Some(mode), Some(capacity), Some(weeks)) =
            (times, mode, capacity, weeks)
        else {
            unreachable!("a field that did not parse is an error above")
        };
        Ok(ScheduleChange {
            start_date,
            start_time,
            end_time,
            mode,
            location: if mode == Mode::InPerson { location } else { None },
            instructor,
            capacity,
            weeks,
            allow_holidays: form.allow_holidays,
        })
    }
}

/// A day and the start and end times on it, as the academy's wall clock
/// reads them: recorded in `checks` when they do not parse, or end before
/// they start.
fn day_and_times(
    checks: &mut Checks,
    date: &str,
    start: &str,
    end: &str,
) -> Option<(chrono::NaiveDate, chrono::NaiveTime, chrono::NaiveTime)> {
    use chrono::{NaiveDate, NaiveTime};
    fn required(text: &str) -> Result<&str, Problem> {
        if text.trim().is_empty() { Err(Problem::Required) } else { Ok(text.trim()) }
    }
    fn time(text: &str) -> Result<NaiveTime, Problem> {
        required(text).and_then(|t| {
            NaiveTime::parse_from_str(t, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
                .map_err(|_| Problem::MalformedTime)
        })
    }
    let day = checks.take(
        Field::StartDate,
        required(date).and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| Problem::MalformedDate)),
    );
    let start = checks.take(Field::StartTime, time(start));
    let end = checks.take(Field::EndTime, time(end));
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        checks.add(Field::EndTime, Problem::EndsBeforeStart);
        return None;
    }
    Some((day?, start?, end?))
}

/// New times for one session: its day, start and end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewTimes {
    pub date: chrono::NaiveDate,
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

impl NewTimes {
    pub fn parse(date: &str, start: &str, end: &str) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        let times = day_and_times(&mut checks, date, start, end);
        checks.finish()?;
        let (date, start, end) = times.expect("times that parsed");
        Ok(NewTimes { date, start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> CourseForm {
        CourseForm {
            title: "Python for analysts".into(),
            category: "programming".into(),
            summary: "Pandas, notebooks and plots.".into(),
            description: "Three days of *Python*.\r\n\r\nBring a laptop.  ".into(),
            outcomes: "Load data\n\n  Plot it  \n".into(),
            level: "beginner".into(),
            duration_hours: "21".into(),
            price: "1,495.50".into(),
            language: "en".into(),
            ..CourseForm::default()
        }
    }

    #[test]
    fn a_good_course_form_becomes_a_change() {
        let change = CourseChange::parse(&good()).unwrap();
        assert_eq!(change.slug, "python-for-analysts");
        assert_eq!(change.price_cents, 149_550);
        assert_eq!(change.description, "Three days of *Python*.\n\nBring a laptop.");
        assert_eq!(change.outcomes, "Load data\nPlot it");
        assert_eq!(change.level, Level::Beginner);
    }

    #[test]
    fn every_bad_field_is_named() {
        let form = CourseForm {
            slug: "Not A Slug".into(),
            title: "x\u{0}".into(),
            level: "expert".into(),
            duration_hours: "0".into(),
            price: "12.345".into(),
            language: "xx".into(),
            ..CourseForm::default()
        };
        let errors = CourseChange::parse(&form).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        for field in [
            Field::Title,
            Field::Slug,
            Field::Category,
            Field::Summary,
            Field::Description,
            Field::Level,
            Field::DurationHours,
            Field::Price,
            Field::Language,
        ] {
            assert!(fields.contains(&field), "{field:?} in {errors:?}");
        }
    }

    #[test]
    fn prices_and_slugs() {
        assert_eq!(price_cents("1495"), Ok(149_500));
        assert_eq!(price_cents("€ 99.9"), Ok(9_990));
        assert_eq!(price_cents("0"), Ok(0));
        for bad in ["-5", "1.2.3", "12,34.567", "abc", "1e3", "99999999999"] {
            assert!(price_cents(bad).is_err(), "{bad}");
        }
        assert_eq!(slug_of("C# & .NET: the basics"), "c-net-the-basics");
        assert_eq!(slug_of("  Ünïcode — only  "), "n-code-only");
    }

    #[test]
    fn a_schedule_needs_a_place_in_person_and_an_end_after_its_start() {
        let form = ScheduleForm {
            start_date: "2027-03-22".into(),
            start_time: "17:00".into(),
            end_time: "09:00".into(),
            mode: "in-person".into(),
            capacity: "12".into(),
            weeks: "60".into(),
            ..ScheduleForm::default()
        };
        let fields: Vec<Field> = ScheduleChange::parse(&form).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::EndTime, Field::Location, Field::Weeks]);
    }
}
