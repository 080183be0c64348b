//! What pages show of the domain's values: times in the academy's zone,
//! prices, paragraphs, canonical URLs and the schema.org description of a
//! course. The server functions that feed pages call it; the domain never
//! formats anything, so the API can return the same values as they are.

use super::catalogue::data::{Course, Home, Money, SearchResults, Session};
use crate::model::catalogue::{
    CataloguePage, CourseCard, CourseDetail, HomeData, InstructorView, SessionView, UpcomingSession, format_price,
};
use crate::model::query::Mode;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::json;

/// What a page needs to know to present anything: where it is shown.
#[derive(Clone, Copy)]
pub struct Presenter<'a> {
    /// The academy's zone, in which times are shown.
    pub tz: Tz,
    /// The site's absolute base URL, for canonical links.
    pub public_url: &'a str,
    /// Whether prices include VAT, which every price says.
    pub prices_include_vat: bool,
}

impl<'a> Presenter<'a> {
    /// As the academy's settings say.
    pub fn of(config: &'a super::config::Config) -> Self {
        Self { tz: config.timezone, public_url: &config.public_url, prices_include_vat: config.prices_include_vat }
    }
}

impl Presenter<'_> {
    /// "€1,495 incl. VAT": a price always says whether tax is in it.
    pub fn price(&self, money: &Money) -> String {
        format!("{} {}", price(money), self.vat())
    }

    fn vat(&self) -> &'static str {
        if self.prices_include_vat { "incl. VAT" } else { "excl. VAT" }
    }

    pub fn session(&self, session: &Session) -> SessionView {
        let starts = session.starts_at.with_timezone(&self.tz);
        let ends = session.ends_at.with_timezone(&self.tz);
        SessionView {
            id: session.id,
            starts_at: starts.to_rfc3339_opts(SecondsFormat::Secs, false),
            ends_at: ends.to_rfc3339_opts(SecondsFormat::Secs, false),
            when: when(session.starts_at, session.ends_at, self.tz),
            mode: session.mode,
            location: session.location.clone(),
            address: session.location_address.clone().filter(|_| session.mode == Mode::InPerson),
            instructor: session.instructor.clone(),
            capacity: session.capacity,
            seats_left: session.seats_left(),
        }
    }

    /// How the days of `session` run, from its first and last day.
    fn timetable(&self, session: &Session) -> String {
        let (starts, ends) = (session.starts_at.with_timezone(&self.tz), session.ends_at.with_timezone(&self.tz));
        let days = (ends.date_naive() - starts.date_naive()).num_days() + 1;
        let (from, to, zone) = (starts.format("%H:%M"), ends.format("%H:%M"), zone_label(self.tz));
        let span = ends.time() - starts.time();
        let lunch = if span >= chrono::TimeDelta::hours(6) { ", with an hour for lunch" } else { "" };
        let days = match days {
            1 => return format!("One day, {from}–{to} ({zone}){lunch}"),
            5 if starts.weekday() == chrono::Weekday::Mon => "Monday to Friday".to_string(),
            n => format!("{n} days in a row"),
        };
        format!("{days}, {from}–{to} each day ({zone}){lunch}")
    }

    /// `/courses`: a page of search results.
    pub fn search_page(&self, results: SearchResults) -> CataloguePage {
        let items = results
            .items
            .into_iter()
            .map(|course| CourseCard {
                price: self.price(&course.price),
                next_session: course.next_session.as_ref().map(|s| self.session(s)),
                slug: course.slug,
                title: course.title,
                summary: course.summary,
                category: course.category,
                category_slug: course.category_slug,
                kind: course.kind,
                level: course.level,
                duration_hours: course.duration_hours,
            })
            .collect();
        CataloguePage {
            query: results.query,
            notices: results.notices,
            items,
            total: results.total,
            more: results.more,
            some_words: results.some_words,
            facets: (*results.facets).clone(),
            base_url: self.public_url.to_string(),
        }
    }

    /// `/courses/{slug}`: the whole course.
    pub fn course_page(&self, course: &Course) -> CourseDetail {
        let sessions: Vec<SessionView> = course.sessions.iter().map(|s| self.session(s)).collect();
        let instructor = course.instructor.as_ref().map(|i| InstructorView {
            name: i.name.clone(),
            title: i.title.clone(),
            bio: i.bio.clone(),
        });
        let canonical_url = format!("{}/courses/{}", self.public_url, course.slug);
        let json_ld = course_json_ld(course, &sessions, instructor.as_ref(), &canonical_url, self.public_url);
        CourseDetail {
            slug: course.slug.clone(),
            title: course.title.clone(),
            summary: course.summary.clone(),
            description: paragraphs(&course.description),
            outcomes: lines(&course.outcomes),
            prerequisites: course.prerequisites.clone(),
            category: course.category.clone(),
            category_slug: course.category_slug.clone(),
            kind: course.kind,
            level: course.level,
            duration_hours: course.duration_hours,
            price: price(&course.price),
            vat: self.vat().to_string(),
            price_cents: course.price.cents,
            currency: course.price.currency.clone(),
            language: course.language.clone(),
            awards_certificate: course.awards_certificate,
            instructor,
            timetable: course.sessions.first().map(|s| self.timetable(s)),
            sessions,
            zone: zone_label(self.tz),
            canonical_url,
            json_ld,
        }
    }

    /// The home page.
    pub fn home_page(&self, home: &Home) -> HomeData {
        HomeData {
            base_url: self.public_url.to_string(),
            categories: home.categories.clone(),
            upcoming: home
                .upcoming
                .iter()
                .map(|u| UpcomingSession {
                    course_slug: u.course_slug.clone(),
                    course_title: u.course_title.clone(),
                    price: self.price(&u.price),
                    session: self.session(&u.session),
                })
                .collect(),
        }
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

pub fn price(money: &Money) -> String {
    format_price(money.cents, &money.currency)
}

pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// schema.org `Course` with its upcoming `CourseInstance`s, ready to place in
/// a `<script type="application/ld+json">`.
pub fn course_json_ld(
    row: &Course,
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
                instance["location"] = match &s.address {
                    Some(address) => json!({ "@type": "Place", "name": location, "address": address }),
                    None => json!({ "@type": "Place", "name": location }),
                };
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
            "category": if row.price.cents == 0 { "Free" } else { "Paid" },
            "price": format!("{}.{:02}", row.price.cents / 100, row.price.cents % 100),
            "priceCurrency": row.price.currency,
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
