//! What a signed-in user keeps about themselves: profile, settings, the
//! sessions of the account, and the export of everything stored.

use super::changes::{ProfileChange, SettingsChange};
use super::data::{AccountSession, Location, Profile, Settings};
use super::store::{self, UserRow};
use super::{Accounts, Client, Event};
use crate::model::account::User;
use crate::server::error::Error;
use chrono::Utc;
use serde_json::json;

/// The context a phone number is sealed under: bound to its account, so a
/// sealed value copied to another row does not open.
fn phone_context(user_id: i64) -> String {
    format!("users.phone:{user_id}")
}

impl Accounts {
    fn phone_of(&self, user: &UserRow) -> Option<String> {
        let sealed = user.phone_enc.as_ref()?;
        match self.keys().open(sealed, &phone_context(user.id)) {
            Ok(phone) => Some(phone),
            Err(error) => {
                // The number is lost to us (its key is gone); say so to the
                // operator, show an empty field to the user.
                tracing::error!(user_id = user.id, %error, "stored phone number does not open");
                None
            }
        }
    }

    /// The profile of `user`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn profile(&self, user: &User) -> Result<Profile, Error> {
        Ok(Self::profile_of(self, &self.row(user).await?))
    }

    fn profile_of(&self, user: &UserRow) -> Profile {
        Profile {
            name: user.name.clone(),
            email: user.email.clone(),
            phone: self.phone_of(user),
            company: user.company.clone(),
            job_title: user.job_title.clone(),
            bio: user.bio.clone(),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn update_profile(&self, user: &User, change: ProfileChange) -> Result<(), Error> {
        let sealed = change.phone.as_ref().map(|phone| self.keys().seal(phone.as_str(), &phone_context(user.id)));
        let profile = store::Profile {
            name: change.name.as_str(),
            phone_enc: sealed.as_deref(),
            company: &change.company,
            job_title: &change.job_title,
            bio: &change.bio,
        };
        store::update_profile(self.db(), user.id, &profile, Utc::now()).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn settings(&self, user: &User) -> Result<Settings, Error> {
        Ok(Self::settings_of(&self.row(user).await?))
    }

    fn settings_of(user: &UserRow) -> Settings {
        Settings {
            notify_reminders: user.notify_reminders,
            reminder_hours: user.reminder_hours.clamp(0, u16::MAX as i32) as u16,
        }
    }

    /// The campuses, by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn locations(&self) -> Result<Vec<Location>, Error> {
        Ok(store::locations(self.db()).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn update_settings(&self, user: &User, change: SettingsChange) -> Result<(), Error> {
        let settings = store::Settings {
            notify_reminders: change.notify_reminders,
            reminder_hours: i32::from(change.reminder_lead.hours()),
        };
        let now = Utc::now();
        store::update_settings(self.db(), user.id, &settings, now).await?;
        // Reminders queued at the old lead time find it changed and stay
        // silent; these are at the new one.
        crate::server::enrolment::reminders::schedule_learner(self.db(), user.id, now).await?;
        Ok(())
    }

    /// The account's live sessions, the one in use (`current`) first.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user.id))]
    pub async fn sessions(&self, user: &User, current: Option<&str>) -> Result<Vec<AccountSession>, Error> {
        let mut sessions: Vec<AccountSession> = store::sessions_of(self.db(), user.id, Utc::now())
            .await?
            .into_iter()
            .map(|row| AccountSession {
                current: current == Some(row.id.as_str()),
                handle: row.handle,
                user_agent: row.user_agent,
                ip: row.ip,
                signed_in_at: row.created_at,
                last_seen_at: row.last_seen_at,
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
        let settings = Self::settings_of(user);
        let profile = self.profile_of(user);
        let sessions = store::sessions_of(self.db(), user.id, Utc::now()).await?;
        let audit = crate::server::audit::entries_of(self.db(), user.id).await?;
        let enquiries = self.enquiries.export(user.id, &user.email).await?;
        Ok(json!({
            "exported_at": Utc::now(),
            "account": {
                "email": user.email,
                "email_verified_at": user.email_verified_at,
                "role": user.role,
                "created_at": user.created_at,
            },
            // The profile's shape stays as it was first published: an
            // empty string for no phone.
            "profile": {
                "name": profile.name,
                "email": profile.email,
                "phone": profile.phone.unwrap_or_default(),
                "company": profile.company,
                "job_title": profile.job_title,
                "bio": profile.bio,
            },
            // What is kept of the settings: every other mail is about a
            // booking and always goes, and times are the academy's.
            "settings": {
                "notify_reminders": settings.notify_reminders,
                "reminder_hours": settings.reminder_hours,
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
            "enquiries": enquiries,
        }))
    }
}
