//! The back office's lists and forms as its pages show them: times in the
//! academy's zone, prices in major units, states in words.

use super::{Presenter, place, when};
use crate::model::admin::{CourseEdit, CourseLineView, CourseListQuery, CourseListView, CourseState, SessionLineView};
use crate::model::catalogue::format_price;
use crate::model::query::Level;
use crate::server::catalogue::changes::LANGUAGES;
use crate::server::catalogue::edit::CourseRecord;
use crate::server::catalogue::schedule::SessionLine;
use crate::server::catalogue::staff::{Choices, CourseList};

fn state(published: bool, archived: bool) -> CourseState {
    match (published, archived) {
        (_, true) => CourseState::Archived,
        (true, false) => CourseState::Published,
        (false, false) => CourseState::Draft,
    }
}

/// Minor units as the price field shows them: "1495" or "1495.50".
pub fn price_field(cents: i64) -> String {
    match cents % 100 {
        0 => (cents / 100).to_string(),
        rest => format!("{}.{rest:02}", cents / 100),
    }
}

impl Presenter<'_> {
    pub fn course_list(&self, list: CourseList, query: CourseListQuery, choices: Choices) -> CourseListView {
        CourseListView {
            query,
            total: list.total,
            categories: choices.categories,
            lines: list
                .lines
                .into_iter()
                .map(|line| CourseLineView {
                    id: line.id,
                    title: line.title,
                    slug: line.slug,
                    category: line.category,
                    price: format_price(line.price_cents, &line.currency),
                    state: state(line.published, line.archived),
                    upcoming: line.upcoming,
                    updated: line.updated_at.with_timezone(&self.tz).format("%-d %b %Y %H:%M").to_string(),
                })
                .collect(),
        }
    }

    /// A course's edit form: `record` is `None` for a new course.
    pub fn course_edit(
        &self,
        record: Option<CourseRecord>,
        sessions: Vec<SessionLine>,
        choices: Choices,
    ) -> CourseEdit {
        let mut edit = match record {
            Some(r) => CourseEdit {
                id: Some(r.id),
                version: r.version,
                state: Some(state(r.published, r.archived)),
                slug: r.slug,
                title: r.title,
                category: r.category,
                summary: r.summary,
                description: r.description,
                outcomes: r.outcomes,
                prerequisites: r.prerequisites,
                level: r.level.as_str().into(),
                duration_hours: r.duration_hours.to_string(),
                price: price_field(r.price_cents),
                language: r.language,
                awards_certificate: r.awards_certificate,
                ..CourseEdit::default()
            },
            None => CourseEdit { language: "en".into(), awards_certificate: true, ..CourseEdit::default() },
        };
        edit.categories = choices.categories;
        edit.locations = choices.locations;
        edit.instructors = choices.instructors;
        edit.levels = Level::ALL.iter().map(|l| (l.as_str().to_string(), l.label().to_string())).collect();
        edit.languages = LANGUAGES.iter().map(|(code, name)| (code.to_string(), name.to_string())).collect();
        edit.sessions = sessions
            .into_iter()
            .map(|s| SessionLineView {
                id: s.id,
                when: when(s.starts_at, s.ends_at, self.tz),
                place: place(s.location, s.mode),
                seats: match s.waitlisted {
                    0 => format!("{} of {} seats taken", s.seats_taken, s.capacity),
                    n => format!("{} of {} seats taken, {n} waiting", s.seats_taken, s.capacity),
                },
                status: s.status,
            })
            .collect();
        edit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_go_back_into_their_field_as_typed() {
        assert_eq!(price_field(149_500), "1495");
        assert_eq!(price_field(149_550), "1495.50");
        assert_eq!(price_field(5), "0.05");
    }
}

impl Presenter<'_> {
    pub fn dashboard(&self, d: crate::server::dashboard::Dashboard) -> crate::model::admin::DashboardView {
        use crate::model::admin::{DashboardView, FillLine, UNDER_FILLED_PERCENT};
        let count = |i: usize| d.weeks.len().checked_sub(i).and_then(|i| d.weeks.get(i)).map_or(0, |w| w.1);
        let (offered, taken) = d.sessions.iter().fold((0, 0), |(o, t), s| (o + s.capacity, t + s.seats_taken));
        DashboardView {
            this_week: count(1),
            last_week: count(2),
            weeks: d.weeks.iter().map(|(monday, n)| (monday.format("%-d %b").to_string(), *n)).collect(),
            fill_percent: if offered > 0 { taken * 100 / offered } else { 0 },
            sessions: d
                .sessions
                .into_iter()
                .map(|s| {
                    let percent = if s.capacity > 0 { s.seats_taken * 100 / s.capacity } else { 0 };
                    let flag = if s.seats_taken >= s.capacity {
                        Some("Full".to_string())
                    } else if percent < UNDER_FILLED_PERCENT {
                        Some("Under-filled".to_string())
                    } else {
                        None
                    };
                    FillLine {
                        session_id: s.session_id,
                        course_title: s.course_title,
                        when: when(s.starts_at, s.ends_at, self.tz),
                        capacity: s.capacity,
                        seats_taken: s.seats_taken,
                        waitlisted: s.waitlisted,
                        percent,
                        flag,
                    }
                })
                .collect(),
            certificates_last_30_days: d.certificates_last_30_days,
            certificates: d.certificates,
            open_enquiries: d.open_enquiries,
        }
    }
}

impl Presenter<'_> {
    pub fn audit_line(&self, entry: crate::server::audit::TrailEntry) -> crate::model::admin::AuditLine {
        let person = |name: Option<String>, email: Option<String>| match (name, email) {
            (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
            _ => None,
        };
        let changes = entry
            .changes()
            .into_iter()
            .map(|c| (c.field, c.before.unwrap_or_default(), c.after.unwrap_or_default()))
            .collect();
        let record_href = match (entry.entity.as_str(), entry.entity_id) {
            ("course", Some(id)) => Some(format!("/admin/courses/{id}")),
            ("session", Some(id)) => Some(format!("/admin/sessions/{id}")),
            ("enquiry", Some(id)) => Some(format!("/admin/enquiries/{id}")),
            ("category", Some(id)) => Some(format!("/admin/categories/{id}")),
            ("campus", Some(id)) => Some(format!("/admin/campuses/{id}")),
            ("instructor", Some(id)) => Some(format!("/admin/instructors/{id}")),
            ("user", Some(id)) => Some(format!("{}/{id}", crate::model::users::USERS_PATH)),
            ("settings" | "holiday", Some(_)) => Some("/admin/settings".into()),
            _ => None,
        };
        crate::model::admin::AuditLine {
            at: entry.at.with_timezone(&self.tz).format("%-d %b %Y %H:%M:%S").to_string(),
            actor: person(entry.actor, entry.actor_email).unwrap_or_else(|| "Lyceum".into()),
            about: person(entry.about, entry.about_email),
            record: match entry.entity_id {
                Some(id) if !entry.entity.is_empty() => format!("{} {id}", entry.entity),
                _ => String::new(),
            },
            record_href,
            action: entry.event,
            ip: entry.ip,
            changes,
            detail: entry.detail,
        }
    }
}
