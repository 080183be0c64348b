//! The catalogue as pages show it: a session's dates and seats, a course
//! page with its timetable and schema.org description, a page of search
//! results, the home page.

use super::{Presenter, lines, price, when, zone_label};
use crate::model::catalogue::{
    CataloguePage, CourseCard, CourseDetail, HomeData, InstructorView, SessionView, UpcomingSession,
};
use crate::model::query::Mode;
use crate::server::catalogue::data::{Course, Home, SearchResults, Session};
use chrono::{Datelike, SecondsFormat};
use serde_json::json;

impl Presenter<'_> {
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
            seats_left: session.seats_left,
            waitlist: session.waitlist_length,
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
            // Staff write Markdown; the page gets it rendered and cleaned.
            description_html: crate::server::markdown::to_html(&course.description),
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
