//! The messages accounts send, each in plain text and HTML.

use crate::components::verbatim::escape_html as escape;
use crate::server::mail::Mail;

/// A short message: greeting, paragraphs, an optional button, sign-off.
fn message(to: &str, subject: &str, name: &str, paragraphs: &[&str], action: Option<(&str, &str)>) -> Mail {
    let mut text = format!("Hello {name},\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family: sans-serif; line-height: 1.5\">\
         <p>Hello {},</p>",
        escape(name)
    );
    for paragraph in paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(paragraph)));
    }
    if let Some((label, link)) = action {
        text.push_str(&format!("{label}:\n{link}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\" style=\"display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; \
             color: #fff; border-radius: 6px; text-decoration: none\">{1}</a></p>\
             <p style=\"font-size: 0.9em; color: #555\">Or copy this address into your browser:<br>{0}</p>",
            escape(link),
            escape(label)
        ));
    }
    text.push_str("Lyceum\n");
    html.push_str("<p>Lyceum</p></body></html>");
    Mail { to: to.to_string(), subject: subject.to_string(), text, html }
}

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
