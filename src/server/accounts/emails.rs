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
