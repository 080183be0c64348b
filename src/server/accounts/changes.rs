//! The changes a signed-in user makes to their own account, as typed
//! commands. A form arrives as strings; its edge parses it into one
//! command, collecting every field's problem at once, and the domain takes
//! only a command that holds.

use super::data::Location;
use crate::error::AppError;
use crate::model::account::{self as rules, REMINDER_HOURS};
use crate::model::form::{Checks, Field, Problem, check_line, check_text};
use crate::model::query::Mode;
use chrono_tz::Tz;

/// A person's name: one line, trimmed, required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        check_line(text, true, rules::NAME_MAX)?;
        Ok(Self(text.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as typed, trimmed; an empty field is no number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Option<Self>, Problem> {
        rules::check_phone(text)?;
        let text = text.trim();
        Ok((!text.is_empty()).then(|| Self(text.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many hours before a session its reminder goes out, within
/// [`REMINDER_HOURS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderLead(u16);

impl ReminderLead {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let (low, high) = REMINDER_HOURS;
        match text.trim().parse::<u16>() {
            Ok(hours) if (low..=high).contains(&hours) => Ok(Self(hours)),
            _ => Err(Problem::OutOfRange { min: low, max: high }),
        }
    }

    pub fn hours(self) -> u16 {
        self.0
    }
}

/// The profile form as it is posted.
pub struct ProfileForm {
    pub name: String,
    pub phone: String,
    pub company: String,
    pub job_title: String,
    pub bio: String,
}

/// A new profile. The optional lines are trimmed and may be empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Name,
    pub phone: Option<Phone>,
    pub company: String,
    pub job_title: String,
    pub bio: String,
}

impl ProfileChange {
    pub fn parse(form: &ProfileForm) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let name = checks.take(Field::Name, Name::parse(&form.name));
        let phone = checks.take(Field::Phone, Phone::parse(&form.phone));
        let mut text = |field, checked: Result<(), Problem>, value: &str| {
            checks.take(field, checked.map(|()| value.trim().to_string()))
        };
        let company = text(Field::Company, check_line(&form.company, false, rules::COMPANY_MAX), &form.company);
        let job_title = text(Field::JobTitle, check_line(&form.job_title, false, rules::COMPANY_MAX), &form.job_title);
        let bio = text(Field::Bio, check_text(&form.bio, rules::BIO_MAX), &form.bio);
        checks.finish().map_err(AppError::Invalid)?;
        match (name, phone, company, job_title, bio) {
            (Some(name), Some(phone), Some(company), Some(job_title), Some(bio)) => {
                Ok(Self { name, phone, company, job_title, bio })
            }
            // `finish` passed, so every field did.
            _ => unreachable!("a field failed without a problem"),
        }
    }
}

/// The settings form as it is posted; a checkbox is sent only when ticked.
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

/// New preferences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsChange {
    pub notify_enrolment: bool,
    pub notify_reminders: bool,
    pub notify_waitlist: bool,
    pub notify_news: bool,
    pub reminder_lead: ReminderLead,
    /// The id of one of the locations offered.
    pub preferred_location: Option<i64>,
    pub preferred_mode: Option<Mode>,
    pub time_zone: Tz,
}

/// An optional choice: empty is no preference, anything else must be offered.
fn choice<T>(text: &str, find: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>, Problem> {
    match text.trim() {
        "" => Ok(None),
        text => find(text).map(Some).ok_or(Problem::UnknownChoice),
    }
}

impl SettingsChange {
    /// Parses the form against the locations `offered`.
    pub fn parse(form: &SettingsForm, offered: &[Location]) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let reminder_lead = checks.take(Field::ReminderHours, ReminderLead::parse(&form.reminder_hours));
        let location = choice(&form.preferred_location, |slug| offered.iter().find(|l| l.slug == slug).map(|l| l.id));
        let preferred_location = checks.take(Field::PreferredLocation, location);
        let preferred_mode = checks.take(Field::PreferredMode, choice(&form.preferred_mode, Mode::parse));
        let zone = form.timezone.trim().parse::<Tz>().map_err(|_| Problem::UnknownChoice);
        let time_zone = checks.take(Field::Timezone, zone);
        checks.finish().map_err(AppError::Invalid)?;
        match (reminder_lead, preferred_location, preferred_mode, time_zone) {
            (Some(reminder_lead), Some(preferred_location), Some(preferred_mode), Some(time_zone)) => Ok(Self {
                notify_enrolment: form.notify_enrolment,
                notify_reminders: form.notify_reminders,
                notify_waitlist: form.notify_waitlist,
                notify_news: form.notify_news,
                reminder_lead,
                preferred_location,
                preferred_mode,
                time_zone,
            }),
            // `finish` passed, so every field did.
            _ => unreachable!("a field failed without a problem"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::form::FieldError;

    fn fields(error: AppError) -> Vec<FieldError> {
        match error {
            AppError::Invalid(errors) => errors,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_profile_is_trimmed_and_an_empty_phone_is_none() {
        let form = ProfileForm {
            name: "  Ann Borg ".into(),
            phone: " ".into(),
            company: " Harbour ".into(),
            job_title: String::new(),
            bio: "Line one\nline two".into(),
        };
        let change = ProfileChange::parse(&form).unwrap();
        assert_eq!((change.name.as_str(), change.phone, change.company.as_str()), ("Ann Borg", None, "Harbour"));
        assert_eq!(Phone::parse(" +356 2123 4567 ").unwrap().unwrap().as_str(), "+356 2123 4567");
    }

    #[test]
    fn every_bad_field_of_a_profile_is_named_at_once() {
        let form = ProfileForm {
            name: String::new(),
            phone: "call me".into(),
            company: "a\u{0}b".into(),
            job_title: String::new(),
            bio: String::new(),
        };
        let errors = fields(ProfileChange::parse(&form).unwrap_err());
        let named: Vec<_> = errors.iter().map(|e| (e.field, e.problem)).collect();
        assert_eq!(
            named,
            [
                (Field::Name, Problem::Required),
                (Field::Phone, Problem::MalformedPhone),
                (Field::Company, Problem::BadCharacters)
            ]
        );
    }

    fn sliema() -> Vec<Location> {
        vec![Location { id: 7, slug: "sliema".into(), name: "Sliema".into() }]
    }

    fn settings(hours: &str, location: &str, mode: &str, zone: &str) -> SettingsForm {
        SettingsForm {
            notify_enrolment: false,
            notify_reminders: true,
            notify_waitlist: true,
            notify_news: false,
            reminder_hours: hours.into(),
            preferred_location: location.into(),
            preferred_mode: mode.into(),
            timezone: zone.into(),
        }
    }

    #[test]
    fn settings_become_typed_choices() {
        let change =
            SettingsChange::parse(&settings(" 48 ", "sliema", "in-person", "Europe/London"), &sliema()).unwrap();
        assert_eq!(change.reminder_lead.hours(), 48);
        assert_eq!(change.preferred_location, Some(7));
        assert_eq!(change.preferred_mode, Some(Mode::InPerson));
        assert_eq!(change.time_zone, chrono_tz::Europe::London);
        let none = SettingsChange::parse(&settings("1", "", "", "UTC"), &sliema()).unwrap();
        assert_eq!((none.preferred_location, none.preferred_mode), (None, None));
    }

    #[test]
    fn every_bad_setting_is_named_at_once() {
        let errors = fields(SettingsChange::parse(&settings("0", "mars", "x", "Mars/Olympus"), &sliema()).unwrap_err());
        let named: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(named, [Field::ReminderHours, Field::PreferredLocation, Field::PreferredMode, Field::Timezone]);
        assert_eq!(ReminderLead::parse("169"), Err(Problem::OutOfRange { min: 1, max: 168 }));
        assert_eq!(ReminderLead::parse("168").map(ReminderLead::hours), Ok(168));
    }
}
