//! The vocabulary of every form, whatever it is for: the fields a problem
//! can be reported against, the problems, the checks that collect them, the
//! rules of plain text, and the notices a redirect leaves behind.
//!
//! A rejected field is named by a [`Field`] and a [`Problem`], never by free
//! text: errors travel back to forms in the URL when JavaScript is off, and a
//! crafted URL must only be able to show Lyceum's own messages.

use serde::{Deserialize, Serialize};

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
    Timezone,
    Role,
    /// Why a certificate is revoked.
    Reason,
    Attendance,
    /// The session a seat moves to.
    Session,
    Slug,
    Title,
    Category,
    Summary,
    Description,
    Outcomes,
    Prerequisites,
    Level,
    DurationHours,
    Price,
    Language,
    /// The first day of a session or a series.
    StartDate,
    StartTime,
    EndTime,
    Mode,
    Location,
    Instructor,
    Capacity,
    /// How many weekly dates a series has.
    Weeks,
    /// What an enquiry asks.
    Message,
    /// The course an enquiry is about.
    Course,
    Status,
    Assignee,
    /// An internal note on an enquiry.
    Note,
    /// A reply to an enquiry, sent by e-mail.
    Reply,
    /// The family a category belongs to (IT or soft skills).
    Kind,
    /// Where a category comes in its family's list.
    Position,
    /// Words a category is searched by besides its name.
    Keywords,
    Address,
    City,
    /// The academy's opening hours, as the contact page gives them.
    OpeningHours,
    /// A day, such as a public holiday's.
    Date,
    /// What staff write to a session's learners, sent by e-mail.
    Body,
    /// A certificate's number, as typed to verify it.
    Code,
    /// Who pays an order: a private person or a company.
    Billing,
    /// The name an invoice is made out to.
    BillingName,
    Postcode,
    Country,
    VatNumber,
    /// A company's purchase-order reference for an order.
    PurchaseOrder,
    PaymentMethod,
    /// The box that accepts the terms and conditions.
    Terms,
    /// An amount of money received.
    Amount,
    /// A bank's or provider's reference for a payment.
    Reference,
    /// Who attends on an order: the booker and colleagues.
    Attendees,
    /// What an API token may do.
    Scopes,
    /// How long an API token lives, in days.
    Expiry,
    /// A list's page, and how many items a page holds (the API's lists).
    Page,
    PerPage,
    /// The API's `Idempotency-Key` header.
    IdempotencyKey,
    /// Where a webhook endpoint is reached.
    Url,
    /// The events a webhook endpoint listens for.
    Events,
    /// The version of a record a change names (the API's writes).
    Version,
    /// A passkey: its answer to a ceremony (registering it, or signing
    /// in), or the one chosen to remove.
    Passkey,
    /// The password that confirms a passkey's removal (a form of its own
    /// on a page with other password fields).
    PasskeyPassword,
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
            Field::Timezone => "timezone",
            Field::Role => "role",
            Field::Reason => "reason",
            Field::Attendance => "attendance",
            Field::Session => "session_id",
            Field::Slug => "slug",
            Field::Title => "title",
            Field::Category => "category",
            Field::Summary => "summary",
            Field::Description => "description",
            Field::Outcomes => "outcomes",
            Field::Prerequisites => "prerequisites",
            Field::Level => "level",
            Field::DurationHours => "duration_hours",
            Field::Price => "price",
            Field::Language => "language",
            Field::StartDate => "start_date",
            Field::StartTime => "start_time",
            Field::EndTime => "end_time",
            Field::Mode => "mode",
            Field::Location => "location",
            Field::Instructor => "instructor",
            Field::Capacity => "capacity",
            Field::Weeks => "weeks",
            Field::Message => "message",
            Field::Course => "course",
            Field::Status => "status",
            Field::Assignee => "assignee",
            Field::Note => "note",
            Field::Reply => "reply",
            Field::Kind => "kind",
            Field::Position => "position",
            Field::Keywords => "keywords",
            Field::Address => "address",
            Field::City => "city",
            Field::OpeningHours => "opening_hours",
            Field::Date => "date",
            Field::Body => "body",
            Field::Code => "code",
            Field::Billing => "billing",
            Field::BillingName => "billing_name",
            Field::Postcode => "postcode",
            Field::Country => "country",
            Field::VatNumber => "vat_number",
            Field::PurchaseOrder => "purchase_order",
            Field::PaymentMethod => "payment",
            Field::Terms => "accept_terms",
            Field::Amount => "amount",
            Field::Reference => "bank_reference",
            Field::Attendees => "attendees",
            Field::Scopes => "scopes",
            Field::Expiry => "expires_in_days",
            Field::Page => "page",
            Field::PerPage => "per_page",
            Field::IdempotencyKey => "Idempotency-Key",
            Field::Url => "url",
            Field::Events => "events",
            Field::Version => "version",
            Field::Passkey => "passkey",
            Field::PasskeyPassword => "passkey_password",
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
    /// Another record already has this value (a unique name or address).
    Taken,
    /// Not an amount of money such as 1495 or 1495.50.
    MalformedPrice,
    /// Not a whole number.
    MalformedNumber,
    /// Not a date such as 2027-03-29.
    MalformedDate,
    /// Not a time of day such as 09:30.
    MalformedTime,
    /// Lowercase letters, digits and single hyphens only.
    MalformedSlug,
    /// The end comes before the start.
    EndsBeforeStart,
    /// The date is in the past.
    InThePast,
    /// The date has not come yet (money received tomorrow).
    InTheFuture,
    /// A date of the series is a public holiday (the count of them).
    Holiday {
        dates: u16,
    },
    /// The time does not exist on that day in the academy's zone (the
    /// clocks go forward over it).
    SkippedTime,
    /// No account has this address.
    NoAccount,
    /// The account signs in for another instructor profile already.
    AccountLinked,
    /// The instructor profile is another account's already.
    ProfileLinked,
    /// Not 26 letters and digits of Crockford's base32.
    MalformedCertificateCode,
    /// Not a VAT number of an EU member state in its country's format.
    MalformedVatNumber,
    /// A VAT number on a private person's order.
    PrivateVatNumber,
    /// The VAT number is another country's than the address.
    VatNumberCountry,
    /// The terms and conditions box is not ticked.
    TermsNotAccepted,
    /// An order with nobody attending.
    NoAttendee,
    /// An attendee row without a name or with a malformed address.
    AttendeeRow {
        row: u16,
    },
    /// The same person twice on one order.
    AttendeeTwice {
        row: u16,
    },
    /// More than a form may hold.
    TooMany {
        max: u16,
    },
    /// An idempotency key sent again with another request.
    KeyReused,
    /// Not an http or https address of a host.
    MalformedWebhookUrl,
    /// An address on a local or private network, where nothing is delivered.
    PrivateAddress,
    /// Not the code the authenticator shows now, or one used already.
    WrongCode,
    /// A passkey's answer that does not check out (another site's, an
    /// old ceremony's, a cancelled one).
    PasskeyRefused,
    /// A passkey registered already, to this account or another.
    PasskeyTaken,
    /// Passkeys need the site to be served under a host name.
    PasskeysUnavailable,
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
            Problem::Taken => "This is already in use. Choose another.".into(),
            Problem::MalformedPrice => "Enter an amount such as 1495 or 1495.50.".into(),
            Problem::MalformedNumber => "Enter a whole number.".into(),
            Problem::MalformedDate => "Enter a date such as 2027-03-29.".into(),
            Problem::MalformedTime => "Enter a time such as 09:30.".into(),
            Problem::MalformedSlug => {
                "Use lowercase letters, digits and single hyphens, such as intro-to-python.".into()
            }
            Problem::EndsBeforeStart => "The end must come after the start.".into(),
            Problem::InThePast => "Choose a date that is still to come.".into(),
            Problem::InTheFuture => "Choose today or a day before.".into(),
            Problem::Holiday { dates: 1 } => {
                "One of the dates is a public holiday. Choose other dates, or tick the box to schedule it anyway."
                    .into()
            }
            Problem::Holiday { dates } => format!(
                "{dates} of the dates are public holidays. Choose other dates, or tick the box to schedule them anyway."
            ),
            Problem::SkippedTime => "That time does not exist on that day: the clocks go forward over it.".into(),
            Problem::NoAccount => "No account has this address. Ask the person to sign up first.".into(),
            Problem::AccountLinked => {
                "This account is linked to another instructor profile already: unlink it there first.".into()
            }
            Problem::ProfileLinked => "Another account is linked to this instructor profile already.".into(),
            Problem::MalformedCertificateCode => {
                "A certificate number has 26 letters and digits, such as 7zk3 m9qf 2hx8 r4tb w6np d1cv yg. \
                 Check it against the certificate and try again."
                    .into()
            }
            Problem::MalformedVatNumber => "Enter a VAT number of an EU member state with its country prefix, \
                 such as MT12345678 or DE123456789."
                .into(),
            Problem::PrivateVatNumber => {
                "A private person has no VAT number: choose \"A company\" to give one, or leave it empty.".into()
            }
            Problem::VatNumberCountry => "The VAT number's country prefix does not match the address's country.".into(),
            Problem::TermsNotAccepted => "Please read and accept the terms and conditions to book.".into(),
            Problem::NoAttendee => "Tick \"I attend\" or name at least one colleague who attends.".into(),
            Problem::AttendeeRow { row } => {
                format!("Attendee {row}: give their full name and an e-mail address such as name@example.com.")
            }
            Problem::AttendeeTwice { row } => format!("Attendee {row} is on this order already."),
            Problem::TooMany { max } => {
                format!("One order books at most {max} colleagues: book the others in another.")
            }
            Problem::KeyReused => {
                "This key was used for another request in the last 24 hours: send a new key for a new request.".into()
            }
            Problem::MalformedWebhookUrl => {
                "Enter an https address such as https://crm.example.com/hooks/lyceum, with a host \
                 name and no user name or password."
                    .into()
            }
            Problem::PrivateAddress => "This address is on a local or private network. Webhooks go only to \
                 addresses on the public internet."
                .into(),
            Problem::WrongCode => {
                "This code is not right, or it was used already. Enter the code your app shows now, or a \
                 recovery code."
                    .into()
            }
            Problem::PasskeyRefused => {
                "The passkey was not accepted, or the request for it was cancelled or took too long. Try \
                 again, or use another way."
                    .into()
            }
            Problem::PasskeyTaken => "This passkey is registered already.".into(),
            Problem::PasskeysUnavailable => {
                "Passkeys work only when Lyceum is opened at its host name, not an IP address.".into()
            }
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

    /// Records a field parsed into a typed value: the value when it
    /// passes, the problem otherwise.
    pub fn take<T>(&mut self, field: Field, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
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

/// Why a page shows a notice after a redirect; the URL carries only the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    CheckEmail,
    LinkSent,
    Verified,
    ResetSent,
    PasswordReset,
    PasswordChanged,
    LoggedOut,
    AccountDeleted,
    Saved,
    SessionEnded,
    Enrolled,
    Waitlisted,
    EnrolmentCancelled,
    WaitlistLeft,
    EnrolmentMoved,
    MoveRequested,
    TokenCreated,
    TokenRevoked,
    CalendarReplaced,
    Marked,
    CertificateRevoked,
    CourseCreated,
    Published,
    Unpublished,
    Archived,
    Deleted,
    SessionsScheduled,
    SessionCancelled,
    EnquirySent,
    NoteAdded,
    ReplySent,
    EnrolledFor,
    WaitlistedFor,
    SeatCancelled,
    SeatMoved,
    Promoted,
    SessionMoved,
    RoleChanged,
    AccountDeactivated,
    AccountReactivated,
    InstructorLinked,
    InstructorUnlinked,
    Messaged,
    PaymentRecorded,
    WebhookCreated,
    WebhookEnabled,
    WebhookDisabled,
    WebhookRotated,
    WebhookDeleted,
    WebhookRedelivered,
    SecondFactorAdded,
    SecondFactorRemoved,
    RecoveryCodes,
    PasskeyAdded,
    PasskeyRemoved,
}

impl Notice {
    const ALL: [Notice; 55] = [
        Notice::CheckEmail,
        Notice::LinkSent,
        Notice::Verified,
        Notice::ResetSent,
        Notice::PasswordReset,
        Notice::PasswordChanged,
        Notice::LoggedOut,
        Notice::AccountDeleted,
        Notice::Saved,
        Notice::SessionEnded,
        Notice::Enrolled,
        Notice::Waitlisted,
        Notice::EnrolmentCancelled,
        Notice::WaitlistLeft,
        Notice::EnrolmentMoved,
        Notice::MoveRequested,
        Notice::TokenCreated,
        Notice::TokenRevoked,
        Notice::CalendarReplaced,
        Notice::Marked,
        Notice::CertificateRevoked,
        Notice::CourseCreated,
        Notice::Published,
        Notice::Unpublished,
        Notice::Archived,
        Notice::Deleted,
        Notice::SessionsScheduled,
        Notice::SessionCancelled,
        Notice::EnquirySent,
        Notice::NoteAdded,
        Notice::ReplySent,
        Notice::EnrolledFor,
        Notice::WaitlistedFor,
        Notice::SeatCancelled,
        Notice::SeatMoved,
        Notice::Promoted,
        Notice::SessionMoved,
        Notice::RoleChanged,
        Notice::AccountDeactivated,
        Notice::AccountReactivated,
        Notice::InstructorLinked,
        Notice::InstructorUnlinked,
        Notice::Messaged,
        Notice::PaymentRecorded,
        Notice::WebhookCreated,
        Notice::WebhookEnabled,
        Notice::WebhookDisabled,
        Notice::WebhookRotated,
        Notice::WebhookDeleted,
        Notice::WebhookRedelivered,
        Notice::SecondFactorAdded,
        Notice::SecondFactorRemoved,
        Notice::RecoveryCodes,
        Notice::PasskeyAdded,
        Notice::PasskeyRemoved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Notice::CheckEmail => "check-email",
            Notice::LinkSent => "link-sent",
            Notice::Verified => "verified",
            Notice::ResetSent => "reset-sent",
            Notice::PasswordReset => "password-reset",
            Notice::PasswordChanged => "password-changed",
            Notice::LoggedOut => "logged-out",
            Notice::AccountDeleted => "account-deleted",
            Notice::Saved => "saved",
            Notice::SessionEnded => "session-ended",
            Notice::Enrolled => "enrolled",
            Notice::Waitlisted => "waitlisted",
            Notice::EnrolmentCancelled => "enrolment-cancelled",
            Notice::WaitlistLeft => "waitlist-left",
            Notice::EnrolmentMoved => "enrolment-moved",
            Notice::MoveRequested => "move-requested",
            Notice::TokenCreated => "token-created",
            Notice::TokenRevoked => "token-revoked",
            Notice::CalendarReplaced => "calendar-replaced",
            Notice::Marked => "marked",
            Notice::CertificateRevoked => "certificate-revoked",
            Notice::CourseCreated => "course-created",
            Notice::Published => "published",
            Notice::Unpublished => "unpublished",
            Notice::Archived => "archived",
            Notice::Deleted => "deleted",
            Notice::SessionsScheduled => "sessions-scheduled",
            Notice::SessionCancelled => "session-cancelled",
            Notice::EnquirySent => "enquiry-sent",
            Notice::NoteAdded => "note-added",
            Notice::ReplySent => "reply-sent",
            Notice::EnrolledFor => "enrolled-for",
            Notice::WaitlistedFor => "waitlisted-for",
            Notice::SeatCancelled => "seat-cancelled",
            Notice::SeatMoved => "seat-moved",
            Notice::Promoted => "promoted",
            Notice::SessionMoved => "session-moved",
            Notice::RoleChanged => "role-changed",
            Notice::AccountDeactivated => "account-deactivated",
            Notice::AccountReactivated => "account-reactivated",
            Notice::InstructorLinked => "instructor-linked",
            Notice::InstructorUnlinked => "instructor-unlinked",
            Notice::Messaged => "messaged",
            Notice::PaymentRecorded => "payment-recorded",
            Notice::WebhookCreated => "webhook-created",
            Notice::WebhookEnabled => "webhook-enabled",
            Notice::WebhookDisabled => "webhook-disabled",
            Notice::WebhookRotated => "webhook-rotated",
            Notice::WebhookDeleted => "webhook-deleted",
            Notice::WebhookRedelivered => "webhook-redelivered",
            Notice::SecondFactorAdded => "second-factor-added",
            Notice::SecondFactorRemoved => "second-factor-removed",
            Notice::RecoveryCodes => "recovery-codes",
            Notice::PasskeyAdded => "passkey-added",
            Notice::PasskeyRemoved => "passkey-removed",
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
            Notice::LinkSent => "We have sent a new link. A link sent before it no longer works.",
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
            Notice::Enrolled => "Your seat is confirmed. We have sent you the details by e-mail.",
            Notice::Waitlisted => {
                "The session is full, so you are on its waitlist. If a seat frees up, it is yours and we tell you by e-mail."
            }
            Notice::EnrolmentCancelled => "Your booking is cancelled. We have sent you a confirmation by e-mail.",
            Notice::WaitlistLeft => "You have left the waitlist.",
            Notice::EnrolmentMoved => "Your seat has moved to the new date. We have sent you the details.",
            Notice::TokenCreated => "Your new access token is below. Copy it now: it is not shown again.",
            Notice::TokenRevoked => "The token is revoked: it no longer works.",
            Notice::MoveRequested => {
                "You are on the waitlist of the new date. You keep your seat until one frees up there; then it moves \
                 at once and we e-mail you."
            }
            Notice::CalendarReplaced => {
                "Your calendar has a new address. The old one no longer works: subscribe again with this one."
            }
            Notice::Marked => "Saved.",
            Notice::CertificateRevoked => "The certificate is revoked.",
            Notice::CourseCreated => "The course is created as a draft. Add its dates, then publish it.",
            Notice::Published => "Published: the course is in the public catalogue.",
            Notice::Unpublished => "Unpublished: the course is no longer in the public catalogue.",
            Notice::Archived => "Archived: the course keeps its history but leaves the catalogue.",
            Notice::Deleted => "Deleted.",
            Notice::SessionsScheduled => "The dates are scheduled.",
            Notice::SessionCancelled => "The session is cancelled and every learner on it is told by e-mail.",
            Notice::EnquirySent => {
                "Thank you: we have your message and answer within two working days. We have e-mailed you to confirm."
            }
            Notice::NoteAdded => "The note is added.",
            Notice::ReplySent => "Your reply is on its way, and the enquiry is marked answered.",
            Notice::EnrolledFor => "Enrolled: the seat is confirmed and the learner is told by e-mail.",
            Notice::WaitlistedFor => "The session is full, so the learner is on its waitlist and is told by e-mail.",
            Notice::SeatCancelled => "The seat is cancelled and the learner is told; the waitlist moves up.",
            Notice::SeatMoved => "The seat has moved to the other date, and the learner is told.",
            Notice::Promoted => "The free seats went to the first on the waitlist, who are told.",
            Notice::SessionMoved => "The session has moved; every learner is told, and their calendars follow.",
            Notice::RoleChanged => "The role is changed. The person's sessions ended: they sign in again with it.",
            Notice::AccountDeactivated => {
                "The account is deactivated: its sessions ended and it can no longer sign in."
            }
            Notice::AccountReactivated => "The account is active again: its owner can sign in.",
            Notice::InstructorLinked => "The account is linked to the instructor profile.",
            Notice::InstructorUnlinked => "The account is no longer linked to the instructor profile.",
            Notice::Messaged => "The message is on its way to the session's learners, one e-mail each.",
            Notice::PaymentRecorded => "The payment is recorded against the order.",
            Notice::WebhookCreated => {
                "The endpoint is registered. Copy its signing secret below now: it is not shown again."
            }
            Notice::WebhookEnabled => "The endpoint is enabled: new events are delivered to it again.",
            Notice::WebhookDisabled => "The endpoint is disabled: nothing is delivered to it until it is enabled.",
            Notice::WebhookRotated => {
                "A new signing secret is below: copy it now. The previous one keeps signing beside it for 24 hours."
            }
            Notice::WebhookDeleted => "The endpoint is deleted, with its deliveries.",
            Notice::WebhookRedelivered => "The delivery is queued again, with the same webhook-id.",
            Notice::SecondFactorAdded => {
                "Your authenticator app is set up: signing in now asks for a code from it. Keep your recovery \
                 codes below somewhere safe."
            }
            Notice::SecondFactorRemoved => "The authenticator app is removed.",
            Notice::RecoveryCodes => "Your new recovery codes are below; the earlier ones no longer work.",
            Notice::PasskeyAdded => "Your passkey is added: signing in asks for it after your password.",
            Notice::PasskeyRemoved => "The passkey is removed.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_paragraphs() {
        assert_eq!(check_line("", true, 10), Err(Problem::Required));
        assert_eq!(check_line("", false, 10), Ok(()));
        assert_eq!(check_line("a\u{0}b", true, 10), Err(Problem::BadCharacters));
        assert_eq!(check_line("abcdefghijk", true, 10), Err(Problem::TooLong { max: 10 }));
        assert_eq!(check_text("line one\nline two", 100), Ok(()));
        assert_eq!(check_text("bell\u{7}", 100), Err(Problem::BadCharacters));
    }

    #[test]
    fn notices_round_trip_their_codes() {
        for notice in Notice::ALL {
            assert_eq!(Notice::parse(notice.code()), Some(notice));
        }
        assert_eq!(Notice::parse("<script>"), None);
    }

    #[test]
    fn checks_collect_every_problem() {
        let mut checks = Checks::default();
        checks.check(Field::Name, check_line("", true, 10));
        checks.check(Field::Email, Ok(()));
        checks.check(Field::Password, Err(Problem::TooShort { min: 12 }));
        let errors = checks.finish().unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec![Field::Name, Field::Password]);
        assert!(Checks::default().finish().is_ok());
    }
}

/// A list of choices in a form (a `<select>`): the field's name and label,
/// the label of the empty choice (`None` when a value is required), and
/// each choice as (value, label, selected).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChoiceList {
    pub name: &'static str,
    pub label: &'static str,
    pub any: Option<&'static str>,
    pub choices: Vec<(String, String, bool)>,
}
