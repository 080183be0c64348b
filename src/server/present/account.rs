//! The account pages' views: the profile and settings as their forms show
//! them, and the account's sessions with their devices and times.

use super::Presenter;
use crate::model::account::{ProfileView, SessionInfo, SettingsView, device_name};
use crate::server::accounts::data::{AccountSession, Profile, Settings};
use chrono::{DateTime, Utc};

/// `/account/profile`: an empty field where nothing is kept.
pub fn profile(profile: Profile) -> ProfileView {
    ProfileView {
        name: profile.name,
        email: profile.email,
        phone: profile.phone.unwrap_or_default(),
        company: profile.company,
        job_title: profile.job_title,
        bio: profile.bio,
    }
}

/// `/account/settings`, naming the zone `tz` every time is shown in.
pub fn settings(settings: Settings, tz: chrono_tz::Tz) -> SettingsView {
    SettingsView {
        notify_reminders: settings.notify_reminders,
        reminder_hours: settings.reminder_hours,
        zone: super::zone_label(tz),
    }
}

impl Presenter<'_> {
    /// The account's sessions on `/account/security`: a device's name for
    /// its browser, times in the academy's zone.
    pub fn sessions(&self, sessions: Vec<AccountSession>) -> Vec<SessionInfo> {
        let when = |time: DateTime<Utc>| time.with_timezone(&self.tz).format("%a %-d %b %Y, %H:%M").to_string();
        sessions
            .into_iter()
            .map(|session| SessionInfo {
                device: device_name(&session.user_agent),
                signed_in: when(session.signed_in_at),
                last_seen: when(session.last_seen_at),
                handle: session.handle,
                ip: session.ip,
                current: session.current,
            })
            .collect()
    }
}
