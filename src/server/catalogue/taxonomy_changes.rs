//! What staff send to change the academy's own data, parsed once at the
//! edge into typed commands: categories, campuses, instructors, the
//! contact details and the public holidays. Each form arrives as text and
//! leaves here checked, field by field, by the same rules as a course's.

use super::changes::{check_slug, normalise_text, slug_of};
use crate::model::account::{Email, check_phone};
use crate::model::form::{Checks, Field, FieldError, Problem, check_line, check_text};
use crate::model::query::Kind;
use crate::model::taxonomy::{
    ADDRESS_MAX, CATEGORY_DESCRIPTION_MAX, CITY_MAX, HOLIDAY_NAME_MAX, INSTRUCTOR_BIO_MAX, INSTRUCTOR_TITLE_MAX,
    KEYWORDS_MAX, NAME_MAX, OPENING_HOURS_MAX, POSITION_MAX,
};
use chrono::NaiveDate;

/// The address of a record: the one typed, or one made from its name.
fn slug(checks: &mut Checks, typed: &str, name: &str) -> String {
    let slug = match typed.trim() {
        "" => slug_of(name),
        typed => typed.to_string(),
    };
    if !name.trim().is_empty() || !typed.trim().is_empty() {
        checks.check(Field::Slug, check_slug(&slug));
    }
    slug
}

/// A one-line text as stored: trimmed, inner runs of spaces kept as typed.
fn line(text: &str) -> String {
    text.trim().to_string()
}

#[derive(Clone, Debug, Default)]
pub struct CategoryForm {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub position: String,
    pub keywords: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryChange {
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub description: String,
    /// Where it comes in its kind's list, from 0.
    pub position: i64,
    /// Lower-case words, one space apart.
    pub keywords: String,
}

impl CategoryChange {
    pub fn parse(form: &CategoryForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line(&form.name, true, NAME_MAX));
        let slug = slug(&mut checks, &form.slug, &form.name);
        let kind = checks.take(Field::Kind, Kind::parse(form.kind.trim()).ok_or(Problem::UnknownChoice));
        checks.check(Field::Description, check_text(&form.description, CATEGORY_DESCRIPTION_MAX));
        let position = match form.position.trim() {
            "" => Some(0),
            text => checks.take(Field::Position, super::changes::whole_number(text, 0, POSITION_MAX)),
        };
        checks.check(Field::Keywords, check_line(&form.keywords, false, KEYWORDS_MAX));
        checks.finish()?;
        let (Some(kind), Some(position)) = (kind, position) else {
            unreachable!("a field that did not parse is an error above")
        };
        let keywords = form
            .keywords
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(CategoryChange {
            slug,
            name: line(&form.name),
            kind,
            description: normalise_text(&form.description),
            position,
            keywords,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct CampusForm {
    pub slug: String,
    pub name: String,
    pub address: String,
    pub city: String,
    pub timezone: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampusChange {
    pub slug: String,
    pub name: String,
    /// The street address, as the contact page and a session's place give it.
    pub address: String,
    pub city: String,
    /// An IANA zone name, such as Europe/Malta.
    pub timezone: String,
}

impl CampusChange {
    pub fn parse(form: &CampusForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line(&form.name, true, NAME_MAX));
        let slug = slug(&mut checks, &form.slug, &form.name);
        checks.check(Field::Address, check_line(&form.address, true, ADDRESS_MAX));
        checks.check(Field::City, check_line(&form.city, true, CITY_MAX));
        let timezone = checks.take(
            Field::Timezone,
            match form.timezone.trim() {
                "" => Err(Problem::Required),
                name => {
                    name.parse::<chrono_tz::Tz>().map(|tz| tz.name().to_string()).map_err(|_| Problem::UnknownChoice)
                }
            },
        );
        checks.finish()?;
        let Some(timezone) = timezone else { unreachable!("a field that did not parse is an error above") };
        Ok(CampusChange {
            slug,
            name: line(&form.name),
            address: line(&form.address),
            city: line(&form.city),
            timezone,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct InstructorForm {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    /// The e-mail address of the instructor's account; empty for none.
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstructorChange {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub bio: String,
    /// The account that signs in to see this instructor's rosters; that it
    /// exists is checked where it is written.
    pub account: Option<Email>,
}

impl InstructorChange {
    pub fn parse(form: &InstructorForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line(&form.name, true, NAME_MAX));
        let slug = slug(&mut checks, &form.slug, &form.name);
        checks.check(Field::Title, check_line(&form.title, false, INSTRUCTOR_TITLE_MAX));
        checks.check(Field::Bio, check_text(&form.bio, INSTRUCTOR_BIO_MAX));
        let account = match form.email.trim() {
            "" => Some(None),
            text => checks.take(Field::Email, Email::parse(text)).map(Some),
        };
        checks.finish()?;
        let Some(account) = account else { unreachable!("a field that did not parse is an error above") };
        Ok(InstructorChange {
            slug,
            name: line(&form.name),
            title: line(&form.title),
            bio: normalise_text(&form.bio),
            account,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub phone: String,
    pub email: String,
    pub opening_hours: String,
}

/// The academy's contact details, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsChange {
    pub phone: String,
    pub email: Email,
    pub opening_hours: String,
}

impl SettingsChange {
    pub fn parse(form: &SettingsForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        let phone = form.phone.trim();
        checks.check(Field::Phone, if phone.is_empty() { Err(Problem::Required) } else { check_phone(phone) });
        let email = checks.take(Field::Email, Email::parse(&form.email));
        checks.check(Field::OpeningHours, check_line(&form.opening_hours, true, OPENING_HOURS_MAX));
        checks.finish()?;
        let Some(email) = email else { unreachable!("a field that did not parse is an error above") };
        Ok(SettingsChange { phone: phone.to_string(), email, opening_hours: line(&form.opening_hours) })
    }
}

#[derive(Clone, Debug, Default)]
pub struct HolidayForm {
    pub date: String,
    pub name: String,
}

/// A public holiday: a day in the academy's zone, and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayChange {
    pub date: NaiveDate,
    pub name: String,
}

impl HolidayChange {
    pub fn parse(form: &HolidayForm) -> Result<Self, Vec<FieldError>> {
        let mut checks = Checks::default();
        let date = checks.take(
            Field::Date,
            match form.date.trim() {
                "" => Err(Problem::Required),
                text => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Problem::MalformedDate),
            },
        );
        checks.check(Field::Name, check_line(&form.name, true, HOLIDAY_NAME_MAX));
        checks.finish()?;
        let Some(date) = date else { unreachable!("a field that did not parse is an error above") };
        Ok(HolidayChange { date, name: line(&form.name) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<Field> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_category_gets_a_slug_from_its_name_and_tidy_keywords() {
        let form = CategoryForm {
            name: "  Data & analytics ".into(),
            kind: "it".into(),
            keywords: "Analytics, BI   power-bi".into(),
            ..CategoryForm::default()
        };
        let change = CategoryChange::parse(&form).unwrap();
        assert_eq!((change.slug.as_str(), change.name.as_str()), ("data-analytics", "Data & analytics"));
        assert_eq!(change.keywords, "analytics bi power-bi");
        assert_eq!(change.position, 0);
        let bad = CategoryForm { slug: "Not A Slug".into(), kind: "art".into(), position: "-1".into(), ..form };
        assert_eq!(fields(CategoryChange::parse(&bad).unwrap_err()), [Field::Slug, Field::Kind, Field::Position]);
        let empty = CategoryChange::parse(&CategoryForm::default()).unwrap_err();
        assert_eq!(fields(empty), [Field::Name, Field::Kind]);
    }

    #[test]
    fn a_campus_needs_a_real_zone_and_an_address() {
        let form = CampusForm {
            name: "Gozo".into(),
            address: "1 Republic Street, Victoria".into(),
            city: "Victoria".into(),
            timezone: "Europe/Malta".into(),
            ..CampusForm::default()
        };
        assert_eq!(CampusChange::parse(&form).unwrap().slug, "gozo");
        let bad = CampusForm { timezone: "Mars/Olympus".into(), address: "".into(), ..form };
        assert_eq!(fields(CampusChange::parse(&bad).unwrap_err()), [Field::Address, Field::Timezone]);
    }

    #[test]
    fn an_instructor_may_name_an_account_by_its_address() {
        let form =
            InstructorForm { name: "Ada Lovelace".into(), email: " Ada@Example.com ".into(), ..Default::default() };
        let change = InstructorChange::parse(&form).unwrap();
        assert_eq!(change.account.as_ref().map(Email::as_str), Some("ada@example.com"));
        let none = InstructorChange::parse(&InstructorForm { email: String::new(), ..form.clone() }).unwrap();
        assert_eq!(none.account, None);
        let bad = InstructorForm { email: "not an address".into(), name: "x\u{1}".into(), ..form };
        assert_eq!(fields(InstructorChange::parse(&bad).unwrap_err()), [Field::Name, Field::Email]);
    }

    #[test]
    fn settings_and_holidays() {
        let form = SettingsForm {
            phone: "+356 2010 4400".into(),
            email: "Hello@Lyceum.example".into(),
            opening_hours: "Monday to Friday, 08:30–17:30".into(),
        };
        assert_eq!(SettingsChange::parse(&form).unwrap().email.as_str(), "hello@lyceum.example");
        let bad = SettingsForm { phone: "call us".into(), email: "".into(), opening_hours: "".into() };
        assert_eq!(fields(SettingsChange::parse(&bad).unwrap_err()), [Field::Phone, Field::Email, Field::OpeningHours]);
        let holiday =
            HolidayChange::parse(&HolidayForm { date: "2027-03-19".into(), name: "St Joseph".into() }).unwrap();
        assert_eq!(holiday.date, NaiveDate::from_ymd_opt(2027, 3, 19).unwrap());
        let bad = HolidayForm { date: "19/03/2027".into(), name: String::new() };
        assert_eq!(fields(HolidayChange::parse(&bad).unwrap_err()), [Field::Date, Field::Name]);
    }
}
