//! What a signed-in user keeps about themselves: profile, settings, the
//! sessions of the account, and the export of everything stored.

use super::store::{self, UserRow};
use super::{Accounts, Client, Event};
use crate::error::AppError;
use crate::model::account::User;
use crate::model::account::{self as rules, ProfileView, REMINDER_HOURS, SessionInfo, SettingsView, device_name};
use crate::model::form::{Checks, Field, Problem, check_line, check_text};
use crate::model::query::Mode;
use crate::server::error::Error;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

/// The context a phone number is sealed under: bound to its account, so a
/// sealed value copied to another row does not open.
fn phone_context(user_id: i64) -> String {
    format!("users.phone:{user_id}")
}

pub struct ProfileForm {
    pub name: String,
    pub phone: String,
    pub company: String,
    pub job_title: String,
    pub bio: String,
}

pub struct SettingsForm {
    pub notify_enrolment: bool,
    pub notify_reminders: bool,
    pub notify_waitlist: bool,
    pub notify_news: bool,
    pub reminder_hours: String,
    pub preferred_location: String,
    pub preferred_mode: String,
    pub timezone: String,
}

impl Accounts {
    fn phone_of(&self, user: &UserRow) -> String {
        let Some(sealed) = &user.phone_enc else { return String::new() };
        match self.keys().open(sealed, &phone_context(user.id)) {
            Ok(phone) => phone,
            Err(error) => {
                // The number is lost to us (its key is gone); say so to the
                // operator, show an empty field to the user.
                tracing::error!(user_id = user.id, %error, "stored phone number does not open");
                String::new()
            }
        }
    }

    /// What the profile page shows of `user`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn profile(&self, user: &User) -> Result<ProfileView, Error> {
        Ok(Self::profile_of(self, &self.row(user).await?))
    }

    fn profile_of(&self, user: &UserRow) -> ProfileView {
        ProfileView {
            name: user.name.clone(),
            email: user.email.clone(),
            phone: self.phone_of(user),
            company: user.company.clone(),
            job_title: user.job_title.clone(),
            bio: user.bio.clone(),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn update_profile(&self, user: &User, form: ProfileForm) -> Result<(), Error> {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line(&form.name, true, rules::NAME_MAX));
        checks.check(Field::Phone, rules::check_phone(&form.phone));
        checks.check(Field::Company, check_line(&form.company, false, rules::COMPANY_MAX));
        checks.check(Field::JobTitle, check_line(&form.job_title, false, rules::COMPANY_MAX));
        checks.check(Field::Bio, check_text(&form.bio, rules::BIO_MAX));
        checks.finish().map_err(|errors| Error::Refused(AppError::Invalid(errors)))?;
        let phone = form.phone.trim();
        let sealed = (!phone.is_empty()).then(|| self.keys().seal(phone, &phone_context(user.id)));
        let profile = store::Profile {
            name: form.name.trim(),
            phone_enc: sealed.as_deref(),
            company: form.company.trim(),
            job_title: form.job_title.trim(),
            bio: form.bio.trim(),
        };
        store::update_profile(self.db(), user.id, &profile, Utc::now()).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn settings(&self, user: &User) -> Result<SettingsView, Error> {
        self.settings_of(&self.row(user).await?).await
    }

    async fn settings_of(&self, user: &UserRow) -> Result<SettingsView, Error> {
        let preferred_location = match user.preferred_location_id {
            Some(id) => store::location_slug(self.db(), id).await?,
            None => None,
        };
        Ok(SettingsView {
            notify_enrolment: user.notify_enrolment,
            notify_reminders: user.notify_reminders,
            notify_waitlist: user.notify_waitlist,
            notify_news: user.notify_news,
            reminder_hours: user.reminder_hours.clamp(0, u16::MAX as i32) as u16,
            preferred_location,
            preferred_mode: user.preferred_mode.map(|mode| mode.as_str().to_string()),
            timezone: user.timezone.clone(),
            locations: store::locations(self.db()).await?,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn update_settings(&self, user: &User, form: SettingsForm) -> Result<(), Error> {
        let mut checks = Checks::default();
        let (low, high) = REMINDER_HOURS;
        let hours = form.reminder_hours.trim().parse::<u16>().ok().filter(|h| (low..=high).contains(h));
        if hours.is_none() {
            checks.add(Field::ReminderHours, Problem::OutOfRange { min: low, max: high });
        }
        let location = match form.preferred_location.trim() {
            "" => None,
            slug => {
                let id = store::location_id(self.db(), slug).await?;
                if id.is_none() {
                    checks.add(Field::PreferredLocation, Problem::UnknownChoice);
                }
                id
            }
        };
        let mode = match form.preferred_mode.trim() {
            "" => None,
            text => {
                let mode = Mode::parse(text);
                if mode.is_none() {
                    checks.add(Field::PreferredMode, Problem::UnknownChoice);
                }
                mode
            }
        };
        let timezone = form.timezone.trim();
        if timezone.parse::<Tz>().is_err() {
            checks.add(Field::Timezone, Problem::UnknownChoice);
        }
        checks.finish().map_err(|errors| Error::Refused(AppError::Invalid(errors)))?;
        let settings = store::Settings {
            notify_enrolment: form.notify_enrolment,
            notify_reminders: form.notify_reminders,
            notify_waitlist: form.notify_waitlist,
            notify_news: form.notify_news,
            reminder_hours: i32::from(hours.unwrap_or(24)),
            preferred_location_id: location,
            preferred_mode: mode,
            timezone,
        };
        let now = Utc::now();
        store::update_settings(self.db(), user.id, &settings, now).await?;
        // Reminders queued at the old lead time find it changed and stay
        // silent; these are at the new one.
        crate::server::enrolment::reminders::schedule_learner(self.db(), user.id, now).await?;
        Ok(())
    }

    /// The account's live sessions, the one in use first.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn sessions(&self, user: &User, current: Option<&str>, tz: Tz) -> Result<Vec<SessionInfo>, Error> {
        let when = |time: DateTime<Utc>| time.with_timezone(&tz).format("%a %-d %b %Y, %H:%M").to_string();
        let mut sessions: Vec<SessionInfo> = store::sessions_of(self.db(), user.id, Utc::now())
            .await?
            .into_iter()
            .map(|row| SessionInfo {
                current: current == Some(row.id.as_str()),
                handle: row.handle,
                device: device_name(&row.user_agent),
                ip: row.ip,
                signed_in: when(row.created_at),
                last_seen: when(row.last_seen_at),
            })
            .collect();
        sessions.sort_by_key(|session| !session.current);
        Ok(sessions)
    }

    /// Ends one of the account's sessions; another account's is not found.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn end_session(&self, user: &User, handle: &str, client: &Client) -> Result<(), Error> {
        if store::end_session(self.db(), user.id, handle).await? == 0 {
            return Err(Error::NotFound);
        }
        self.audit(Event::SessionEnded, Some(user.id), client, "").await;
        Ok(())
    }

    /// Everything stored about the user, as one JSON document.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn export(&self, user: &User) -> Result<serde_json::Value, Error> {
        let user = &self.row(user).await?;
        let settings = self.settings_of(user).await?;
        let sessions = store::sessions_of(self.db(), user.id, Utc::now()).await?;
        let audit = crate::server::audit::entries_of(self.db(), user.id).await?;
        Ok(json!({
            "exported_at": Utc::now(),
            "account": {
                "email": user.email,
                "email_verified_at": user.email_verified_at,
                "role": user.role,
                "created_at": user.created_at,
            },
            "profile": self.profile_of(user),
            "settings": {
                "notify_enrolment": settings.notify_enrolment,
                "notify_reminders": settings.notify_reminders,
                "notify_waitlist": settings.notify_waitlist,
                "notify_news": settings.notify_news,
                "reminder_hours": settings.reminder_hours,
                "preferred_location": settings.preferred_location,
                "preferred_mode": settings.preferred_mode,
                "timezone": settings.timezone,
            },
            "sessions": sessions.iter().map(|s| json!({
                "device": s.user_agent,
                "ip": s.ip,
                "signed_in_at": s.created_at,
                "last_seen_at": s.last_seen_at,
            })).collect::<Vec<_>>(),
            "security_events": audit.iter().map(|a| json!({
                "at": a.at,
                "event": a.event,
                "ip": a.ip,
                "user_agent": a.user_agent,
                "detail": a.detail,
            })).collect::<Vec<_>>(),
        }))
    }
}
