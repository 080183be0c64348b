//! Accounts as plain data, and the rules a form's fields must meet. The
//! browser checks the same rules before it sends, the server checks them
//! again before it stores anything.
//!
//! A rejected field is named by a [`Field`] and a [`Problem`], never by free
//! text: errors travel back to forms in the URL when JavaScript is off, and a
//! crafted URL must only be able to show Lyceum's own messages.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Instructor,
    Staff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Learner, Role::Instructor, Role::Staff, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Instructor => "instructor",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "Learner",
            Role::Instructor => "Instructor",
            Role::Staff => "Staff",
            Role::Admin => "Administrator",
        }
    }

    /// Whether this role may do what `needed` may. Staff may do what
    /// instructors may, admins what staff may; learners only their own things.
    pub fn includes(self, needed: Role) -> bool {
        self >= needed
    }
}

/// A form field a problem can be reported against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Email,
    Password,
    CurrentPassword,
    NewPassword,
    Phone,
    Company,
    JobTitle,
    Bio,
    ReminderHours,
    PreferredLocation,
    PreferredMode,
    Timezone,
    Role,
}

impl Field {
    /// The `name` of the form control, which is also its id's suffix.
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Password => "password",
            Field::CurrentPassword => "current_password",
            Field::NewPassword => "new_password",
            Field::Phone => "phone",
            Field::Company => "company",
            Field::JobTitle => "job_title",
            Field::Bio => "bio",
            Field::ReminderHours => "reminder_hours",
            Field::PreferredLocation => "preferred_location",
            Field::PreferredMode => "preferred_mode",
            Field::Timezone => "timezone",
            Field::Role => "role",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooShort {
        min: u16,
    },
    TooLong {
        max: u16,
    },
    MalformedEmail,
    /// Among the most common passwords, or one with a few digits added.
    CommonPassword,
    /// Contains the part of the e-mail address before the `@`.
    ContainsEmail,
    WrongPassword,
    /// Characters a field cannot hold (control characters, line breaks in a name).
    BadCharacters,
    MalformedPhone,
    OutOfRange {
        min: u16,
        max: u16,
    },
    UnknownChoice,
}

impl Problem {
    pub fn message(self) -> String {
        match self {
            Problem::Required => "This field is required.".into(),
            Problem::TooShort { min } => format!("Use at least {min} characters."),
            Problem::TooLong { max } => format!("Use at most {max} characters."),
            Problem::MalformedEmail => "Enter an e-mail address such as name@example.com.".into(),
            Problem::CommonPassword => "This password is too common. Choose one that is harder to guess.".into(),
            Problem::ContainsEmail => "The password must not contain your e-mail address.".into(),
            Problem::WrongPassword => "This is not your current password.".into(),
            Problem::BadCharacters => "This field contains characters it cannot hold.".into(),
            Problem::MalformedPhone => "Enter a phone number of digits, spaces and an optional leading +.".into(),
            Problem::OutOfRange { min, max } => format!("Choose a number from {min} to {max}."),
            Problem::UnknownChoice => "Choose one of the options offered.".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// Collects the problems of one form.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn add(&mut self, field: Field, problem: Problem) {
        self.0.push(FieldError { field, problem });
    }

    /// Records the result of one field's check.
    pub fn check(&mut self, field: Field, result: Result<(), Problem>) {
        if let Err(problem) = result {
            self.add(field, problem);
        }
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;
pub const PHONE_MAX: usize = 32;
pub const COMPANY_MAX: usize = 120;
pub const BIO_MAX: usize = 1000;
pub const REMINDER_HOURS: (u16, u16) = (1, 168);

/// The e-mail as stored and compared: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A practical check, not RFC 5322: one `@`, a local part, a dotted domain,
/// no spaces or control characters. The verification e-mail proves the rest.
pub fn check_email(email: &str) -> Result<(), Problem> {
    let email = email.trim();
    if email.is_empty() {
        return Err(Problem::Required);
    }
    if email.chars().count() > EMAIL_MAX {
        return Err(Problem::TooLong { max: EMAIL_MAX as u16 });
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(Problem::MalformedEmail);
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    if local_ok && labels_ok { Ok(()) } else { Err(Problem::MalformedEmail) }
}

/// A one-line text: required or not, at most `max` characters, no control
/// characters.
pub fn check_line(text: &str, required: bool, max: usize) -> Result<(), Problem> {
    let text = text.trim();
    if text.is_empty() {
        return if required { Err(Problem::Required) } else { Ok(()) };
    }
    if text.chars().count() > max {
        return Err(Problem::TooLong { max: max as u16 });
    }
    if text.chars().any(char::is_control) {
        return Err(Problem::BadCharacters);
    }
    Ok(())
}

/// A paragraph: like [`check_line`], but line breaks and tabs are allowed.
pub fn check_text(text: &str, max: usize) -> Result<(), Problem> {
    if text.trim().chars().count() > max {
        return Err(Problem::TooLong { max: max as u16 });
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Problem::BadCharacters);
    }
    Ok(())
}

/// The length rules and the e-mail rule of a new password. The common
/// password list lives on the server only (it is too big for the browser).
pub fn check_new_password(password: &str, email: &str) -> Result<(), Problem> {
    let length = password.chars().count();
    if length == 0 {
        return Err(Problem::Required);
    }
    if length < PASSWORD_MIN {
        return Err(Problem::TooShort { min: PASSWORD_MIN as u16 });
    }
    if length > PASSWORD_MAX {
        return Err(Problem::TooLong { max: PASSWORD_MAX as u16 });
    }
    let local = normalize_email(email).split('@').next().unwrap_or_default().to_string();
    // A one- or two-letter local part would match half of all passwords.
    if local.chars().count() >= 3 && password.to_lowercase().contains(&local) {
        return Err(Problem::ContainsEmail);
    }
    Ok(())
}

/// Digits, spaces, dashes, dots, parentheses and one leading `+`; 6 to 15 digits.
pub fn check_phone(phone: &str) -> Result<(), Problem> {
    let phone = phone.trim();
    if phone.is_empty() {
        return Ok(());
    }
    if phone.chars().count() > PHONE_MAX {
        return Err(Problem::TooLong { max: PHONE_MAX as u16 });
    }
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let allowed = body.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c));
    if allowed && (6..=15).contains(&digits) { Ok(()) } else { Err(Problem::MalformedPhone) }
}

/// The signed-in user as pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub verified: bool,
}

/// `/account/profile` as shown and edited.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub job_title: String,
    pub bio: String,
}

/// `/account/settings` as shown and edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub notify_enrolment: bool,
    pub notify_reminders: bool,
    pub notify_waitlist: bool,
    pub notify_news: bool,
    pub reminder_hours: u16,
    /// A location's slug.
    pub preferred_location: Option<String>,
    pub preferred_mode: Option<String>,
    pub timezone: String,
    /// (slug, name) of every location, for the choice.
    pub locations: Vec<(String, String)>,
}

/// One signed-in session of the account, for `/account/security`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The session's public name, used to end it.
    pub handle: String,
    pub device: String,
    pub ip: String,
    pub signed_in: String,
    pub last_seen: String,
    pub current: bool,
}

/// A short name for a browser from its User-Agent: "Firefox on Linux".
pub fn device_name(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.is_empty() {
        return "Unknown device".into();
    } else {
        "A browser"
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        return browser.into();
    };
    format!("{browser} on {system}")
}

/// Why a page shows a notice after a redirect; the URL carries only the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    CheckEmail,
    Verified,
    ResetSent,
    PasswordReset,
    PasswordChanged,
    LoggedOut,
    AccountDeleted,
    Saved,
    SessionEnded,
}

impl Notice {
    const ALL: [Notice; 9] = [
        Notice::CheckEmail,
        Notice::Verified,
        Notice::ResetSent,
        Notice::PasswordReset,
        Notice::PasswordChanged,
        Notice::LoggedOut,
        Notice::AccountDeleted,
        Notice::Saved,
        Notice::SessionEnded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Notice::CheckEmail => "check-email",
            Notice::Verified => "verified",
            Notice::ResetSent => "reset-sent",
            Notice::PasswordReset => "password-reset",
            Notice::PasswordChanged => "password-changed",
            Notice::LoggedOut => "logged-out",
            Notice::AccountDeleted => "account-deleted",
            Notice::Saved => "saved",
            Notice::SessionEnded => "session-ended",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| notice.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Notice::CheckEmail => {
                "Thank you. We have sent a link to your e-mail address: follow it to confirm the address, then log in."
            }
            Notice::Verified => "Your e-mail address is confirmed. You can log in now.",
            Notice::ResetSent => {
                "If an account has that address, we have sent it a link to choose a new password. The link works for one hour."
            }
            Notice::PasswordReset => "Your new password is set, and every session was logged out. Log in with it now.",
            Notice::PasswordChanged => "Your password is changed. Every other session was logged out.",
            Notice::LoggedOut => "You are logged out.",
            Notice::AccountDeleted => "Your account is deleted. Thank you for learning with us.",
            Notice::Saved => "Saved.",
            Notice::SessionEnded => "The session is ended.",
        }
    }
}

/// A local path to return to after logging in; anything else (another
/// site, `//host`, a scheme) is ignored so the link cannot send people away.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 500;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(Role::Admin.includes(Role::Staff));
        assert!(Role::Staff.includes(Role::Instructor));
        assert!(!Role::Learner.includes(Role::Instructor));
        assert!(!Role::Staff.includes(Role::Admin));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails() {
        for good in ["ann@example.com", " Ann.Bee+courses@mail.example.mt ", "o'neil@x.io"] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        assert_eq!(check_email("  "), Err(Problem::Required));
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@@example.com",
            ".a@x.com",
            "a@-x.com",
        ] {
            assert_eq!(check_email(bad), Err(Problem::MalformedEmail), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(check_email(&long), Err(Problem::TooLong { max: 254 }));
        assert_eq!(normalize_email(" Ann@Example.COM "), "ann@example.com");
    }

    #[test]
    fn passwords() {
        assert_eq!(check_new_password("", "ann@x.com"), Err(Problem::Required));
        assert_eq!(check_new_password("short", "ann@x.com"), Err(Problem::TooShort { min: 12 }));
        assert_eq!(check_new_password(&"x".repeat(129), "ann@x.com"), Err(Problem::TooLong { max: 128 }));
        assert_eq!(check_new_password("my name is ANNABEL!", "annabel@x.com"), Err(Problem::ContainsEmail));
        assert_eq!(check_new_password("correct horse battery", "annabel@x.com"), Ok(()));
        // Length counts characters, not bytes.
        assert_eq!(check_new_password("ééééééééééé", "a@x.com"), Err(Problem::TooShort { min: 12 }));
    }

    #[test]
    fn lines_and_phones() {
        assert_eq!(check_line("", true, 10), Err(Problem::Required));
        assert_eq!(check_line("", false, 10), Ok(()));
        assert_eq!(check_line("a\u{0}b", true, 10), Err(Problem::BadCharacters));
        assert_eq!(check_line("abcdefghijk", true, 10), Err(Problem::TooLong { max: 10 }));
        assert_eq!(check_text("line one\nline two", 100), Ok(()));
        assert_eq!(check_text("bell\u{7}", 100), Err(Problem::BadCharacters));
        assert_eq!(check_phone("+356 2123 4567"), Ok(()));
        assert_eq!(check_phone(""), Ok(()));
        assert_eq!(check_phone("call me"), Err(Problem::MalformedPhone));
        assert_eq!(check_phone("123"), Err(Problem::MalformedPhone));
    }

    #[test]
    fn devices_notices_and_return_paths() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device_name(firefox), "Firefox on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(safari), "Safari on iOS");
        assert_eq!(device_name(""), "Unknown device");
        for notice in Notice::ALL {
            assert_eq!(Notice::parse(notice.code()), Some(notice));
        }
        assert_eq!(safe_next("/account/profile?x=1"), Some("/account/profile?x=1"));
        for bad in ["https://evil.test", "//evil.test", "/\\evil.test", "account", "/a\nb"] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }

    #[test]
    fn checks_collect_every_problem() {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line("", true, 10));
        checks.check(Field::Email, check_email("ann@example.com"));
        checks.check(Field::Password, check_new_password("x", "ann@example.com"));
        let errors = checks.finish().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec![Field::Name, Field::Password]);
    }
}
