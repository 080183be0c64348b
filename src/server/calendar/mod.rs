//! Calendars: one session's `.ics`, and each learner's private feed of the
//! sessions they hold a seat or waitlist place in.
//!
//! A feed's address carries a secret token. It is looked up by its hash and
//! kept sealed with the application's key so that its owner can be shown
//! the address again; replacing it ends the old address at once.

pub mod rfc5545;
mod store;

pub use crate::model::account::User;
use crate::model::enrolment::EnrolmentStatus;
use crate::server::crypto::{self, Keyring};
use crate::server::db::Db;
use crate::server::error::Error;
use crate::server::mail::Attachment;
use chrono::{Datelike, Utc, Weekday};
use chrono_tz::Tz;
use rfc5545::{CalendarEvent, EventStatus};
use std::sync::Arc;
pub use store::SessionEntry;

/// The context a feed token is sealed under.
const SEAL_CONTEXT: &str = "calendar_feeds.token";

#[derive(Clone)]
pub struct Calendars {
    db: Db,
    keys: Arc<Keyring>,
    tz: Tz,
    public_url: Arc<str>,
    academy: Arc<str>,
}

impl Calendars {
    pub fn new(db: Db, keys: Arc<Keyring>, tz: Tz, public_url: &str, academy: &str) -> Self {
        Self { db, keys, tz, public_url: public_url.into(), academy: academy.into() }
    }

    /// The host part of UIDs: the site's, so they are unique to it.
    fn uid_host(&self) -> &str {
        let rest = self.public_url.split("://").nth(1).unwrap_or(&self.public_url);
        rest.split(['/', ':']).next().filter(|host| !host.is_empty()).unwrap_or("lyceum")
    }

    /// The session as an event; `enrolment` is the reader's own place in it.
    fn event(&self, session: &SessionEntry) -> CalendarEvent {
        let place = match (&session.location_name, &session.location_address, &session.location_city) {
            (Some(name), address, city) => {
                let parts = [Some(name.as_str()), address.as_deref(), city.as_deref()];
                Some(parts.into_iter().flatten().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", "))
            }
            _ => None,
        };
        let url = format!("{}/courses/{}", self.public_url, session.course_slug);
        let status = match (session.status.as_str(), session.enrolment_status) {
            ("cancelled", _) => EventStatus::Cancelled,
            (_, Some(EnrolmentStatus::Waitlisted)) => EventStatus::Tentative,
            _ => EventStatus::Confirmed,
        };
        let mut description = session.course_summary.clone();
        if session.enrolment_status == Some(EnrolmentStatus::Waitlisted) {
            description = format!("You are on the waitlist for this session.\n\n{description}");
        }
        if place.is_none() {
            description.push_str("\n\nOnline: the joining details come by e-mail before the start.");
        }
        description.push_str(&format!("\n\n{url}"));
        CalendarEvent {
            uid: format!("session-{}@{}", session.id, self.uid_host()),
            summary: format!("{} ({})", session.course_title, self.academy),
            description,
            location: place.or_else(|| Some("Online".to_string())),
            url,
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            working_days: working_days(session, self.tz),
            sequence: session.revision,
            status,
        }
    }

    /// `/sessions/{id}.ics`: one session of a published course.
    #[tracing::instrument(level = "debug", skip_all, fields(session_id))]
    pub async fn session(&self, session_id: i64) -> Result<String, Error> {
        let session = store::published_session(&self.db, session_id).await?.ok_or(Error::NotFound)?;
        let name = format!("{}: {}", self.academy, session.course_title);
        Ok(rfc5545::calendar(&name, self.tz, &[self.event(&session)], Utc::now()))
    }

    /// The private feed a token opens.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn feed(&self, token: &str) -> Result<String, Error> {
        let user_id = store::feed_owner(&self.db, &crypto::token_hash(token)).await?.ok_or(Error::NotFound)?;
        let sessions = store::of_learner(&self.db, user_id).await?;
        let events: Vec<_> = sessions.iter().map(|session| self.event(session)).collect();
        Ok(rfc5545::calendar(&format!("{}: my courses", self.academy), self.tz, &events, Utc::now()))
    }

    /// One session as an `.ics` file for a mail, as its learner sees it.
    pub fn attachment(&self, session: &SessionEntry) -> Attachment {
        let name = format!("{}: {}", self.academy, session.course_title);
        Attachment {
            filename: format!("{}-{}.ics", session.course_slug, session.id),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
            body: rfc5545::calendar(&name, self.tz, &[self.event(session)], Utc::now()),
            base64: false,
        }
    }

    fn feed_url(&self, token: &str) -> String {
        format!("{}/calendar/{token}.ics", self.public_url)
    }

    /// The address of the learner's feed, if they have made one.
    pub async fn feed_address(&self, learner: &User) -> Result<Option<String>, Error> {
        let Some(sealed) = store::sealed_token(&self.db, learner.id).await? else { return Ok(None) };
        let token = self
            .keys
            .open(&sealed, &format!("{SEAL_CONTEXT}:{}", learner.id))
            .map_err(|e| Error::Internal(format!("a calendar feed token does not open: {e}")))?;
        Ok(Some(self.feed_url(&token)))
    }

    /// Gives the learner a new feed address; the old one stops working.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = learner.id))]
    pub async fn replace_feed(&self, learner: &User) -> Result<String, Error> {
        let token = crypto::new_token();
        let sealed = self.keys.seal(&token, &format!("{SEAL_CONTEXT}:{}", learner.id));
        store::replace_token(&self.db, learner.id, &crypto::token_hash(&token), &sealed, Utc::now()).await?;
        Ok(self.feed_url(&token))
    }
}

/// Whether a session that spans several days meets on working days only
/// (the academy's timetable): then it is one event a day, Monday to
/// Friday, at the hours of its first day.
fn working_days(session: &SessionEntry, tz: Tz) -> bool {
    let starts = session.starts_at.with_timezone(&tz);
    let ends = session.ends_at.with_timezone(&tz);
    starts.date_naive() != ends.date_naive()
        && ![Weekday::Sat, Weekday::Sun].contains(&starts.weekday())
        && ![Weekday::Sat, Weekday::Sun].contains(&ends.weekday())
}
