//! Accounts as plain data, and the rules a form's fields must meet. The
//! browser checks the same rules before it sends, the server checks them
//! again before it stores anything.
//!
//! A rejected field is named by a [`Field`] and a [`Problem`], never by free
//! text: errors travel back to forms in the URL when JavaScript is off, and a
//! crafted URL must only be able to show Lyceum's own messages.

use super::form::Problem;
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

/// An e-mail address as Lyceum keeps and compares it: checked, trimmed
/// and lower-cased. Made only by [`Email::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        check_email(text)?;
        Ok(Self(normalize_email(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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

/// A signed-in person, as every part of the server sees them: never the
/// row with the password hash. `server::auth` says who is calling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Whether the address is confirmed.
    pub verified: bool,
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
    pub notify_reminders: bool,
    pub reminder_hours: u16,
    /// The academy's zone, in which every time is shown: "Malta time".
    pub zone: String,
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

/// A short name for a browser from its User-Agent, with its major
/// version so two sessions of one person can be told apart: "Firefox 128
/// on Linux", "Safari 17 on iPhone".
pub fn device_name(user_agent: &str) -> String {
    let ua = user_agent;
    if ua.is_empty() {
        return "Unknown device".into();
    }
    // The first marker present names the browser (Edge and Opera also say Chrome).
    let browsers = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
    ];
    let (browser, version) = browsers
        .iter()
        .find_map(|(marker, name)| ua.split(marker).nth(1).map(|rest| (*name, major(rest))))
        .or_else(|| ua.contains("Safari/").then(|| ("Safari", ua.split("Version/").nth(1).and_then(major))))
        .unwrap_or(("A browser", None));
    let browser = match version {
        Some(version) => format!("{browser} {version}"),
        None => browser.to_string(),
    };
    let systems = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Macintosh", "macOS"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    match systems.iter().find(|(marker, _)| ua.contains(marker)) {
        Some((_, system)) => format!("{browser} on {system}"),
        None => browser,
    }
}

/// The major version at the start of `rest` ("128.0 ..." is 128).
fn major(rest: &str) -> Option<u32> {
    rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|digits| digits.parse().ok())
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
    fn phones() {
        assert_eq!(check_phone("+356 2123 4567"), Ok(()));
        assert_eq!(check_phone(""), Ok(()));
        assert_eq!(check_phone("call me"), Err(Problem::MalformedPhone));
        assert_eq!(check_phone("123"), Err(Problem::MalformedPhone));
    }

    #[test]
    fn devices_and_return_paths() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device_name(firefox), "Firefox 128 on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(safari), "Safari 17 on iPhone");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70";
        assert_eq!(device_name(edge), "Edge 131 on Windows");
        let chrome =
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130.0.6723.102 Mobile Safari/537.36";
        assert_eq!(device_name(chrome), "Chrome 130 on Android");
        assert_eq!(device_name("curl/8.5.0"), "A browser");
        assert_eq!(device_name(""), "Unknown device");
        assert_eq!(safe_next("/account/profile?x=1"), Some("/account/profile?x=1"));
        for bad in ["https://evil.test", "//evil.test", "/\\evil.test", "account", "/a\nb"] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_email_is_kept_normalised_and_only_when_it_passes() {
        let email = Email::parse("  Ann.Borg@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ann.borg@example.com");
        assert_eq!(email.local_part(), "ann.borg");
        assert_eq!(email, Email::parse("ann.borg@example.com").unwrap(), "one address, however it is typed");
        assert_eq!(Email::parse("ann"), Err(Problem::MalformedEmail));
        assert_eq!(Email::parse(""), Err(Problem::Required));
        assert_eq!(Email::parse("ann@exa mple.com"), Err(Problem::MalformedEmail));
    }
}

/// The second factor of an account, for `/account/security`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorView {
    /// An authenticator app is set up.
    pub authenticator: bool,
    pub passkeys: Vec<PasskeyView>,
    /// The origin passkeys work at, if they do at this site's address.
    pub passkey_origin: Option<String>,
    /// Whether the account's role requires one (staff, administrators).
    pub required: bool,
    pub recovery_codes_left: i64,
    /// Recovery codes just made, shown once.
    pub new_codes: Option<Vec<String>>,
    /// Without an authenticator: the one being set up.
    pub setup: Option<AuthenticatorSetupView>,
}

/// An authenticator app being set up: its secret, typed or read from the
/// `otpauth://` address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorSetupView {
    pub secret: String,
    pub uri: String,
}

/// One of an account's passkeys, as its security page lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    /// When it was added and last used, as the page shows them.
    pub added: String,
    pub last_used: Option<String>,
}

/// The second step of signing in, as its page offers it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepView {
    /// The account has a passkey (and this address offers them).
    pub passkey: bool,
    /// The account has an authenticator app.
    pub authenticator: bool,
    pub passkey_origin: Option<String>,
}
