//! What the contact form and the inbox's forms send, parsed into typed
//! commands: every field's problem is collected at once, and the domain
//! takes only a command that holds.

use super::store::Offered;
use crate::error::AppError;
use crate::model::account::Email;
use crate::model::enquiry::{EnquiryStatus, MESSAGE_MAX, NOTE_MAX};
use crate::model::form::{Checks, Field, Problem, check_text};
use crate::server::accounts::changes::{Name, Phone};

/// The contact form as it is posted.
#[derive(Clone, Debug, Default)]
pub struct EnquiryForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// A course's slug, or empty.
    pub course: String,
    pub message: String,
    /// The trap: a field people do not see and leave empty (see
    /// [`EnquiryForm::is_trap`]).
    pub website: String,
}

impl EnquiryForm {
    /// Whether the hidden field was filled in, as programs that fill in
    /// every field of a form do and people, who never see it, do not.
    pub fn is_trap(&self) -> bool {
        !self.website.trim().is_empty()
    }
}

/// A paragraph or more of text: required, trimmed, at most `max`
/// characters, line breaks allowed and no other control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(text: &str, max: usize) -> Result<Self, Problem> {
        if text.trim().is_empty() {
            return Err(Problem::Required);
        }
        check_text(text, max)?;
        Ok(Self(text.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An enquiry that holds: who sent it, how to reach them, about what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEnquiry {
    pub name: Name,
    pub email: Email,
    pub phone: Option<Phone>,
    /// One of the courses offered, by id.
    pub course: Option<i64>,
    pub message: Text,
}

impl NewEnquiry {
    /// Parses the form against the courses `offered`.
    pub fn parse(form: &EnquiryForm, offered: &[Offered]) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let name = checks.take(Field::Name, Name::parse(&form.name));
        let email = checks.take(Field::Email, Email::parse(&form.email));
        let phone = checks.take(Field::Phone, Phone::parse(&form.phone));
        let course = match form.course.trim() {
            "" => Ok(None),
            slug => offered.iter().find(|c| c.slug == slug).map(|c| Some(c.id)).ok_or(Problem::UnknownChoice),
        };
        let course = checks.take(Field::Course, course);
        let message = checks.take(Field::Message, Text::parse(&form.message, MESSAGE_MAX));
        checks.finish().map_err(AppError::Invalid)?;
        match (name, email, phone, course, message) {
            (Some(name), Some(email), Some(phone), Some(course), Some(message)) => {
                Ok(Self { name, email, phone, course, message })
            }
            // `finish` passed, so every field did.
            _ => unreachable!("a field failed without a problem"),
        }
    }
}

/// The status and assignee form, as it is posted.
#[derive(Clone, Debug)]
pub struct StateForm {
    /// The version the page read.
    pub version: i64,
    pub status: String,
    /// A member of staff's account id, or empty for nobody.
    pub assignee: String,
}

/// A new status and assignee, for the enquiry at `version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub version: i64,
    pub status: EnquiryStatus,
    pub assignee: Option<i64>,
}

impl StateChange {
    /// Parses the form; the assignee must be one of `staff` (account ids).
    pub fn parse(form: &StateForm, staff: &[i64]) -> Result<Self, AppError> {
        let mut checks = Checks::default();
        let status = checks.take(Field::Status, EnquiryStatus::parse(form.status.trim()).ok_or(Problem::UnknownChoice));
        let assignee = match form.assignee.trim() {
            "" => Ok(None),
            text => text.parse::<i64>().ok().filter(|id| staff.contains(id)).map(Some).ok_or(Problem::UnknownChoice),
        };
        let assignee = checks.take(Field::Assignee, assignee);
        checks.finish().map_err(AppError::Invalid)?;
        match (status, assignee) {
            (Some(status), Some(assignee)) => Ok(Self { version: form.version, status, assignee }),
            _ => unreachable!("a field failed without a problem"),
        }
    }
}

/// The text of a note or a reply, typed in `field`.
pub fn note_text(text: &str, field: Field) -> Result<Text, AppError> {
    Text::parse(text, NOTE_MAX)
        .map_err(|problem| AppError::Invalid(vec![crate::model::form::FieldError { field, problem }]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::form::FieldError;

    fn offered() -> Vec<Offered> {
        vec![Offered { id: 7, slug: "cloud-101".into(), title: "Cloud 101".into() }]
    }

    fn form(name: &str, email: &str, phone: &str, course: &str, message: &str) -> EnquiryForm {
        EnquiryForm {
            name: name.into(),
            email: email.into(),
            phone: phone.into(),
            course: course.into(),
            message: message.into(),
            website: String::new(),
        }
    }

    fn fields(error: AppError) -> Vec<FieldError> {
        match error {
            AppError::Invalid(errors) => errors,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn an_enquiry_is_trimmed_and_its_course_found() {
        let form = form(" Ann Borg ", " Ann@Example.COM ", "", "cloud-101", " Is there a team rate?\nFor six. ");
        let enquiry = NewEnquiry::parse(&form, &offered()).unwrap();
        assert_eq!(enquiry.name.as_str(), "Ann Borg");
        assert_eq!(enquiry.email.as_str(), "ann@example.com");
        assert_eq!((enquiry.phone, enquiry.course), (None, Some(7)));
        assert_eq!(enquiry.message.as_str(), "Is there a team rate?\nFor six.");
        assert!(!form.is_trap());
        assert!(EnquiryForm { website: "http://spam.test".into(), ..form }.is_trap());
    }

    #[test]
    fn every_bad_field_of_an_enquiry_is_named_at_once() {
        let form = form("Ann\r\nBcc: x@evil.test", "ann@example.com\r\nBcc: x@evil.test", "call me", "mars", " ");
        let named: Vec<_> = fields(NewEnquiry::parse(&form, &offered()).unwrap_err())
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect();
        assert_eq!(
            named,
            [
                (Field::Name, Problem::BadCharacters),
                (Field::Email, Problem::MalformedEmail),
                (Field::Phone, Problem::MalformedPhone),
                (Field::Course, Problem::UnknownChoice),
                (Field::Message, Problem::Required),
            ]
        );
        let long = "x".repeat(MESSAGE_MAX + 1);
        let errors = fields(NewEnquiry::parse(&self::form("Ann", "a@b.test", "", "", &long), &[]).unwrap_err());
        assert_eq!(errors[0].problem, Problem::TooLong { max: MESSAGE_MAX as u16 });
    }

    #[test]
    fn a_state_change_names_a_status_and_a_member_of_staff() {
        let form = StateForm { version: 3, status: "answered".into(), assignee: "12".into() };
        let change = StateChange::parse(&form, &[12]).unwrap();
        assert_eq!(change, StateChange { version: 3, status: EnquiryStatus::Answered, assignee: Some(12) });
        let nobody = StateForm { assignee: String::new(), ..form.clone() };
        assert_eq!(StateChange::parse(&nobody, &[]).unwrap().assignee, None);
        let bad = StateForm { status: "lost".into(), assignee: "13".into(), ..form };
        let named: Vec<_> = fields(StateChange::parse(&bad, &[12]).unwrap_err()).into_iter().map(|e| e.field).collect();
        assert_eq!(named, [Field::Status, Field::Assignee]);
        assert!(note_text("  ", Field::Note).is_err() && note_text("Called back.", Field::Note).is_ok());
    }
}
