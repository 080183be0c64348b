//! The messages enrolment sends, each in plain text and HTML: a seat
//! confirmed, a place on a waitlist, a promotion from it, a cancellation,
//! a move to another date; and what staff write to a session's learners.

use super::store::{Recipient, SessionFacts};
use crate::server::mail::{self, Mail};
use crate::server::present::when;
use chrono_tz::Tz;

/// "AWS Cloud Practitioner Essentials, Tue 8 Dec 2026, 09:00–16:00 (Malta time),
/// Valletta campus, 12 Republic Street, Valletta": where to go, in full.
fn session_line(session: &SessionFacts, tz: Tz) -> String {
    let place = session.place_line();
    let zone = crate::server::present::zone_label(tz);
    format!("{}, {} ({zone}), {place}", session.course_title, when(session.starts_at, session.ends_at, tz))
}

fn course_link(public_url: &str, session: &SessionFacts) -> String {
    format!("{public_url}/courses/{}", session.course_slug)
}

/// A seat confirmed; `paid`, when an order pays for it, says at what
/// price and who is invoiced.
pub fn confirmed(to: &Recipient, session: &SessionFacts, paid: Option<&str>, tz: Tz, public_url: &str) -> Mail {
    let booked = format!("Your seat is confirmed for {}.", session_line(session, tz));
    let mut lines = vec![booked.as_str()];
    lines.extend(paid);
    lines.push("You can see your enrolments, and cancel or move to another date, on your account page.");
    mail::message(
        &to.email,
        &format!("Your seat is confirmed: {}", session.course_title),
        &to.name,
        &lines,
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

pub fn waitlisted(to: &Recipient, session: &SessionFacts, position: i64, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("You are on the waitlist: {}", session.course_title),
        &to.name,
        &[
            &format!("{} is full, so you are on its waitlist, at position {position}.", session_line(session, tz)),
            "If a seat frees up, the first on the waitlist gets it at once and we tell them by e-mail.",
        ],
        Some(("The course and its other dates", &course_link(public_url, session))),
    )
}

pub fn promoted(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("A seat freed up: you are confirmed for {}", session.course_title),
        &to.name,
        &[
            &format!("A seat freed up and it is yours: you are confirmed for {}.", session_line(session, tz)),
            "If you can no longer come, please cancel from your account page so the next person can have it.",
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

pub fn cancelled(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("Cancelled: {}", session.course_title),
        &to.name,
        &[&format!("Your enrolment in {} is cancelled.", session_line(session, tz))],
        Some(("Find another date", &course_link(public_url, session))),
    )
}

pub fn moved(to: &Recipient, from: &SessionFacts, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("Moved to another date: {}", session.course_title),
        &to.name,
        &[
            &format!("Your seat is now confirmed for {}.", session_line(session, tz)),
            &format!("Your seat for {} is released.", when(from.starts_at, from.ends_at, tz)),
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

/// A learner holding a seat joined another date's waitlist: a request to
/// move the seat there, which keeps it until one frees up.
pub fn move_requested(
    to: &Recipient,
    from: &SessionFacts,
    session: &SessionFacts,
    position: i64,
    tz: Tz,
    public_url: &str,
) -> Mail {
    mail::message(
        &to.email,
        &format!("Waiting to move your seat: {}", session.course_title),
        &to.name,
        &[
            &format!("You are number {position} on the waitlist for {}.", session_line(session, tz)),
            &format!(
                "You keep your seat for {} until a seat frees up there; then your seat moves at once, \
                 with nothing more to pay, and we tell you by e-mail.",
                when(from.starts_at, from.ends_at, tz)
            ),
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

/// A request to move a seat lapsed: the seat's own date began first.
pub fn request_lapsed(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("No longer waiting: {}", session.course_title),
        &to.name,
        &[
            &format!(
                "A seat freed up for {}, but the date of the seat you hold has begun, so it could no longer move \
                 and you are off that waitlist.",
                session_line(session, tz)
            ),
            "Your own seat is as it was.",
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

pub fn request_withdrawn(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("No longer waiting: {}", session.course_title),
        &to.name,
        &[
            &format!(
                "You were waiting to move your seat to {}. The seat is cancelled, so there is nothing left to \
                 move and you are off that waitlist.",
                session_line(session, tz)
            ),
            "To come on that date after all, book it again from the course page.",
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

pub fn session_moved(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("New dates: {}", session.course_title),
        &to.name,
        &[
            &format!("Your session has moved. It is now {}.", session_line(session, tz)),
            "Your place is kept. The attached calendar entry replaces the old one. If the new dates do not suit you, \
             you can move to another date or cancel from your account page.",
        ],
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

pub fn session_cancelled(to: &Recipient, session: &SessionFacts, tz: Tz, public_url: &str) -> Mail {
    mail::message(
        &to.email,
        &format!("Session cancelled: {}", session.course_title),
        &to.name,
        &[
            &format!("We are sorry: {} has been cancelled by the academy.", session_line(session, tz)),
            "Please choose another date of the course; we will contact you about any payment.",
        ],
        Some(("Find another date", &course_link(public_url, session))),
    )
}

/// What staff wrote to a session's learners. The subject is Lyceum's own
/// words (the course and the session's local date), so nothing typed can
/// reach a header; the text is the body, a paragraph per blank line.
pub fn message(to: &Recipient, session: &SessionFacts, body: &str, tz: Tz, public_url: &str) -> Mail {
    let day = session.starts_at.with_timezone(&tz).format("%a %-d %b %Y");
    let mut paragraphs = vec![format!("A message from the academy about {}:", session_line(session, tz))];
    paragraphs.extend(body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string));
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    mail::message(
        &to.email,
        &format!("About your session: {}, {day}", session.course_title),
        &to.name,
        &paragraphs,
        Some(("Your enrolments", &format!("{public_url}/account"))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::query::Mode;
    use chrono::TimeZone;

    fn session() -> SessionFacts {
        SessionFacts {
            id: 7,
            course_id: 3,
            course_slug: "cloud-101".into(),
            course_title: "Cloud 101".into(),
            published: true,
            cutoff_hours: 48,
            starts_at: chrono::Utc.with_ymd_and_hms(2027, 3, 29, 22, 30, 0).unwrap(),
            ends_at: chrono::Utc.with_ymd_and_hms(2027, 3, 30, 6, 0, 0).unwrap(),
            mode: Mode::Online,
            location: None,
            location_address: None,
            location_city: None,
            course_summary: String::new(),
            status: "scheduled".into(),
            revision: 0,
            price_cents: 49_500,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn a_message_keeps_typed_text_out_of_the_subject_and_escapes_it_in_html() {
        let to = Recipient { name: "Ann <b>".into(), email: "ann@example.com".into(), verified: true };
        let body =
            "Join at https://meet.test/x?a=1&b=2\nPasscode 4711\n\nBcc: all@evil.test\n<script>alert(1)</script>";
        let mail = message(&to, &session(), body, chrono_tz::Europe::Malta, "https://academy.test");
        // The session's local day, not the UTC one it starts on.
        assert_eq!(mail.subject, "About your session: Cloud 101, Tue 30 Mar 2027");
        assert!(mail.text.contains("Join at https://meet.test/x?a=1&b=2\nPasscode 4711\n\nBcc: all@evil.test"));
        assert!(mail.html.contains("Join at https://meet.test/x?a=1&amp;b=2<br>Passcode 4711</p>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !mail.html.contains("<script"));
        assert!(mail.html.contains("Hello Ann &lt;b&gt;,"));
    }
}
