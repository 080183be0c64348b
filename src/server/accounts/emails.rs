//! The messages accounts send, each in plain text and HTML.

use crate::server::mail::{Mail, message};

pub fn verify_email(name: &str, to: &str, link: &str) -> Mail {
    message(
        to,
        "Confirm your e-mail address",
        name,
        &[
            "Thank you for signing up to Lyceum. Please confirm that this is your e-mail address.",
            "The link works once and for 24 hours. If you did not sign up, you can ignore this message.",
        ],
        Some(("Confirm my address", link)),
    )
}

pub fn already_registered(name: &str, to: &str, public_url: &str) -> Mail {
    let login = format!("{public_url}/login");
    let reset = format!("{public_url}/forgot-password");
    message(
        to,
        "Someone tried to sign up with your address",
        name,
        &[
            "Someone, perhaps you, tried to create a Lyceum account with this e-mail address, which already has one.",
            &format!("If it was you, log in at {login}, or choose a new password at {reset} if you have forgotten it."),
            "If it was not you, you need not do anything: your account is unchanged.",
        ],
        None,
    )
}

pub fn reset_password(name: &str, to: &str, link: &str) -> Mail {
    message(
        to,
        "Choose a new password",
        name,
        &[
            "Someone, perhaps you, asked to reset the password of your Lyceum account.",
            "The link works once and for one hour. If you did not ask, ignore this message: your password stays as it is.",
        ],
        Some(("Choose a new password", link)),
    )
}

pub fn password_changed(name: &str, to: &str, public_url: &str) -> Mail {
    let reset = format!("{public_url}/forgot-password");
    message(
        to,
        "Your password was changed",
        name,
        &[
            "The password of your Lyceum account was just changed, and every other session was logged out.",
            &format!("If you did not do this, choose a new password at once at {reset} and tell us."),
        ],
        None,
    )
}

/// A second factor, such as "An authenticator app", as a mail names it.
pub enum Factor<'a> {
    Authenticator,
    Passkey { name: &'a str },
}

impl Factor<'_> {
    fn described(&self) -> String {
        match self {
            Factor::Authenticator => "An authenticator app".to_string(),
            Factor::Passkey { name } => format!("A passkey (\u{201c}{name}\u{201d})"),
        }
    }
}

pub fn second_factor_added(name: &str, to: &str, public_url: &str, factor: Factor<'_>) -> Mail {
    let security = format!("{public_url}/account/security");
    message(
        to,
        "A second factor was added to your account",
        name,
        &[
            &format!(
                "{} was just added to your Lyceum account: signing in now asks for it, or another second factor \
                 of yours, after the password.",
                factor.described()
            ),
            &format!(
                "If you did not do this, someone knows your password: choose a new one at once and tell us. \
                 Your account's security page is at {security}."
            ),
        ],
        None,
    )
}

/// `any_left`: whether the account keeps another second factor.
pub fn second_factor_removed(name: &str, to: &str, public_url: &str, factor: Factor<'_>, any_left: bool) -> Mail {
    let security = format!("{public_url}/account/security");
    let now = match any_left {
        true => "your other second factors still work.",
        false => "with no second factor left, its recovery codes are void and signing in takes the password alone.",
    };
    message(
        to,
        "A second factor of your account was removed",
        name,
        &[
            &format!("{} was just removed from your Lyceum account; {now}", factor.described()),
            &format!("If you did not do this, choose a new password at once and tell us ({security})."),
        ],
        None,
    )
}

pub fn recovery_codes_replaced(name: &str, to: &str, public_url: &str) -> Mail {
    let security = format!("{public_url}/account/security");
    message(
        to,
        "New recovery codes for your account",
        name,
        &[
            "New recovery codes were just made for your Lyceum account; the earlier ones no longer work.",
            &format!("If you did not do this, choose a new password at once and tell us ({security})."),
        ],
        None,
    )
}

pub fn recovery_code_used(name: &str, to: &str, left: i64) -> Mail {
    let left = match left {
        0 => "none is left: make new ones on your account's security page".to_string(),
        1 => "one is left".to_string(),
        n => format!("{n} are left"),
    };
    message(
        to,
        "A recovery code was used to sign in",
        name,
        &[
            &format!("One of your recovery codes was just used to sign in to your Lyceum account; {left}."),
            "If this was not you, choose a new password at once and tell us.",
        ],
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_html_and_links_are_in_both_bodies() {
        let mail = verify_email("<b>Ann</b>", "ann@example.com", "https://academy.test/verify-email?token=abc");
        assert!(mail.html.contains("&lt;b&gt;Ann&lt;/b&gt;"));
        assert!(!mail.html.contains("<b>Ann"));
        assert!(mail.text.contains("Hello <b>Ann</b>,"));
        assert!(mail.text.contains("https://academy.test/verify-email?token=abc"));
        assert!(mail.html.contains("href=\"https://academy.test/verify-email?token=abc\""));
    }
}
