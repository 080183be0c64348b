//! The account pages' views: the profile and settings as their forms show
//! them, and the account's sessions with their devices and times.

use super::Presenter;
use crate::model::account::{PasskeyView, ProfileView, SessionInfo, SettingsView, device_name};
use crate::server::accounts::data::{AccountSession, Profile, Settings};
use crate::server::accounts::second_factor::PasskeyInfo;
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
        let when = |time| self.moment(time);
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

    /// The account's passkeys on its two-step sign-in page.
    pub fn passkeys(&self, passkeys: Vec<PasskeyInfo>) -> Vec<PasskeyView> {
        passkeys
            .into_iter()
            .map(|passkey| PasskeyView {
                id: passkey.id,
                name: passkey.name,
                added: self.moment(passkey.created_at),
                last_used: passkey.last_used_at.map(|time| self.moment(time)),
            })
            .collect()
    }

    /// A moment on the account's pages, in the academy's zone.
    fn moment(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.tz).format("%a %-d %b %Y, %H:%M").to_string()
    }
}
