//! Turns database rows into what pages show: times in the academy's zone,
//! prices, paragraphs, and the schema.org description of a course.

use super::queries::{CourseDetailRow, SessionRow};
use crate::model::catalogue::{InstructorView, SessionView, format_price};
use crate::model::query::Mode;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::json;

pub fn session(row: &SessionRow, tz: Tz) -> SessionView {
    let starts = row.starts_at.with_timezone(&tz);
    let ends = row.ends_at.with_timezone(&tz);
    SessionView {
        id: row.id,
        starts_at: starts.to_rfc3339_opts(SecondsFormat::Secs, false),
        ends_at: ends.to_rfc3339_opts(SecondsFormat::Secs, false),
        when: when(row.starts_at, row.ends_at, tz),
        mode: row.mode,
        location: row.location.clone(),
        instructor: row.instructor.clone(),
        capacity: row.capacity,
        seats_left: (row.capacity - row.seats_taken).max(0),
    }
}

/// "Tue 8 Dec 2026, 09:00–16:00", or "Mon 7 Dec – Wed 9 Dec 2026, 09:00–16:00"
/// for a session over several days.
pub fn when(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz) -> String {
    let starts = starts_at.with_timezone(&tz);
    let ends = ends_at.with_timezone(&tz);
    let hours = format!("{}–{}", starts.format("%H:%M"), ends.format("%H:%M"));
    if starts.date_naive() == ends.date_naive() {
        format!("{}, {hours}", starts.format("%a %-d %b %Y"))
    } else if starts.year() == ends.year() {
        format!("{} – {}, {hours}", starts.format("%a %-d %b"), ends.format("%a %-d %b %Y"))
    } else {
        format!("{} – {}, {hours}", starts.format("%a %-d %b %Y"), ends.format("%a %-d %b %Y"))
    }
}

/// "Malta time" for Europe/Malta, "New York time" for America/New_York.
pub fn zone_label(tz: Tz) -> String {
    let place = tz.name().rsplit('/').next().unwrap_or(tz.name()).replace('_', " ");
    format!("{place} time")
}

pub fn price(row_cents: i64, currency: &str) -> String {
    format_price(row_cents, currency)
}

pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

pub fn instructor(name: String, title: String, bio: String) -> InstructorView {
    InstructorView { name, title, bio }
}

/// schema.org `Course` with its upcoming `CourseInstance`s, ready to place in
/// a `<script type="application/ld+json">`.
pub fn course_json_ld(
    row: &CourseDetailRow,
    sessions: &[SessionView],
    instructor: Option<&InstructorView>,
    canonical_url: &str,
    public_url: &str,
) -> String {
    let instances: Vec<_> = sessions
        .iter()
        .map(|s| {
            let mut instance = json!({
                "@type": "CourseInstance",
                "courseMode": if s.mode == Mode::Online { "Online" } else { "Onsite" },
                "startDate": s.starts_at,
                "endDate": s.ends_at,
            });
            if let Some(location) = &s.location {
                instance["location"] = json!({ "@type": "Place", "name": location });
            }
            if let Some(name) = s.instructor.as_ref().or(instructor.map(|i| &i.name)) {
                instance["instructor"] = json!({ "@type": "Person", "name": name });
            }
            instance
        })
        .collect();
    let value = json!({
        "@context": "https://schema.org",
        "@type": "Course",
        "name": row.title,
        "description": row.summary,
        "url": canonical_url,
        "courseCode": row.slug,
        "inLanguage": row.language,
        "educationalLevel": row.level.label(),
        "timeRequired": format!("PT{}H", row.duration_hours),
        "teaches": lines(&row.outcomes),
        "provider": { "@type": "Organization", "name": "Lyceum", "sameAs": public_url },
        "offers": {
            "@type": "Offer",
            "category": if row.price_cents == 0 { "Free" } else { "Paid" },
            "price": format!("{}.{:02}", row.price_cents / 100, row.price_cents % 100),
            "priceCurrency": row.currency,
        },
        "hasCourseInstance": instances,
    });
    // "</" inside a script element would end it early; JSON allows "<\/".
    value.to_string().replace("</", "<\\/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_academy_zone() {
        let tz = chrono_tz::Europe::Malta;
        // 08:00 UTC in December is 09:00 in Malta (CET).
        let starts = Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 12, 8, 15, 0, 0).unwrap();
        assert_eq!(when(starts, ends, tz), "Tue 8 Dec 2026, 09:00–16:00");
        // Summer time: 07:00 UTC is 09:00 CEST.
        let starts = Utc.with_ymd_and_hms(2027, 6, 7, 7, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2027, 6, 9, 14, 0, 0).unwrap();
        assert_eq!(when(starts, ends, tz), "Mon 7 Jun – Wed 9 Jun 2027, 09:00–16:00");
    }

    #[test]
    fn zones_are_named_for_people() {
        assert_eq!(zone_label(chrono_tz::Europe::Malta), "Malta time");
        assert_eq!(zone_label(chrono_tz::America::New_York), "New York time");
        assert_eq!(zone_label(chrono_tz::UTC), "UTC time");
    }

    #[test]
    fn paragraphs_and_lines_drop_blanks() {
        assert_eq!(paragraphs("One.\n\n\n\nTwo.\n"), ["One.", "Two."]);
        assert_eq!(lines(" a \n\n b"), ["a", "b"]);
    }
}
