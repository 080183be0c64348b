//! The messages an enquiry sends: the acknowledgement to its sender, the
//! notice to staff, and the replies staff write from the inbox.
//!
//! No header of any of them holds text a sender typed: the subjects are
//! fixed, the recipient is an address that passed its checks, and the
//! thread ids are Lyceum's own tokens. The acknowledgement goes to an
//! address anyone can type, so it carries nothing the sender wrote, not
//! even the name: the form cannot be used to send a stranger words of
//! someone else's choosing. The notice to staff carries only a link, so
//! the academy's mailbox keeps no copy of anyone's message or address.

use crate::server::mail::{Mail, Thread, message};

/// Every message of one enquiry's conversation has this subject, or its reply.
const SUBJECT: &str = "Your enquiry to the academy";

/// To the sender: the enquiry arrived. It starts the thread replies join.
pub fn acknowledgement(to: &str, thread_token: &str, public_url: &str) -> Mail {
    message(
        to,
        SUBJECT,
        "there",
        &[
            "Thank you for your enquiry: it has reached us, and someone from the academy will answer it within two \
             working days.",
            "If you did not write to us, someone typed your address in our contact form by mistake: you can ignore \
             this message, and we will not write again unless asked.",
        ],
        Some(("Our courses", &format!("{public_url}/courses"))),
    )
    .in_thread(Thread { id: Some(thread_token.to_string()), replies_to: None })
}

/// To staff: an enquiry is waiting in the inbox.
pub fn staff_notice(to: &str, enquiry_id: i64, course_title: Option<&str>, public_url: &str) -> Mail {
    let about = match course_title {
        Some(title) => format!("An enquiry about {title} has arrived."),
        None => "An enquiry has arrived.".to_string(),
    };
    message(
        to,
        &format!("New enquiry #{enquiry_id}"),
        "team",
        &[&about, "It is waiting in the back office's inbox."],
        Some(("Open the enquiry", &format!("{public_url}/admin/enquiries/{enquiry_id}"))),
    )
}

/// To the sender: a reply written in the inbox, threaded under the
/// acknowledgement.
pub fn reply(to: &str, name: &str, body: &str, thread_token: &str) -> Mail {
    let paragraphs: Vec<&str> = body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect();
    message(to, &format!("Re: {SUBJECT}"), name, &paragraphs, None)
        .in_thread(Thread { id: None, replies_to: Some(thread_token.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acknowledgement_starts_a_thread_that_replies_join() {
        let ack = acknowledgement("ann@example.com", "enquiry.7.abc", "https://academy.test");
        assert_eq!((ack.to.as_str(), ack.subject.as_str()), ("ann@example.com", SUBJECT));
        assert_eq!(ack.thread.id.as_deref(), Some("enquiry.7.abc"));
        let reply = reply("ann@example.com", "Ann", "Yes.\n\nSee you there.", "enquiry.7.abc");
        assert_eq!(reply.subject, format!("Re: {SUBJECT}"));
        assert_eq!((reply.thread.id, reply.thread.replies_to.as_deref()), (None, Some("enquiry.7.abc")));
        assert!(reply.text.contains("Hello Ann,\n\nYes.\n\nSee you there."), "{}", reply.text);
    }

    #[test]
    fn staff_are_sent_a_link_not_the_message() {
        let notice = staff_notice("hello@academy.test", 7, Some("Cloud 101"), "https://academy.test");
        assert_eq!(notice.subject, "New enquiry #7");
        assert!(notice.text.contains("https://academy.test/admin/enquiries/7"));
        assert!(notice.text.contains("about Cloud 101"));
    }
}
