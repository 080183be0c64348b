//! The changes a signed-in user makes to their own account, as typed
//! commands. A form arrives as strings; its edge parses it into one
//! command, collecting every field's problem at once, and the domain takes
//! only a command that holds.

use crate::error::AppError;
use crate::model::account::{self as rules, REMINDER_HOURS};
use crate::model::form::{Checks, Field, Problem, check_line, check_text};

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
    pub notify_reminders: bool,
    pub reminder_hours: String,
}

/// New preferences: whether reminders are sent, and how long before.
/// (Every other mail is about a booking itself, and always goes.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsChange {
    pub notify_reminders: bool,
    pub reminder_lead: ReminderLead,
}

impl SettingsChange {
    pub fn parse(form: &SettingsForm) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let reminder_lead = checks.take(Field::ReminderHours, ReminderLead::parse(&form.reminder_hours));
        checks.finish().map_err(AppError::Invalid)?;
        match reminder_lead {
            Some(reminder_lead) => Ok(Self { notify_reminders: form.notify_reminders, reminder_lead }),
            // `finish` passed, so every field did.
            None => unreachable!("a field failed without a problem"),
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

    #[test]
    fn settings_become_typed_choices() {
        let form = SettingsForm { notify_reminders: true, reminder_hours: " 48 ".into() };
        let change = SettingsChange::parse(&form).unwrap();
        assert_eq!((change.notify_reminders, change.reminder_lead.hours()), (true, 48));
        let errors = fields(SettingsChange::parse(&SettingsForm { reminder_hours: "0".into(), ..form }).unwrap_err());
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), [Field::ReminderHours]);
        assert_eq!(ReminderLead::parse("169"), Err(Problem::OutOfRange { min: 1, max: 168 }));
        assert_eq!(ReminderLead::parse("168").map(ReminderLead::hours), Ok(168));
    }
}
