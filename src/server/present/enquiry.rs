//! The inbox's views: enquiries with their times in the academy's zone,
//! the names their ids stand for, and what the filters and forms offer.

use super::Presenter;
use crate::model::enquiry::{EnquiryView, INBOX_PER_PAGE, Inbox, InboxItem, InboxQuery, NoteView};
use crate::server::enquiries::data::{Enquiry, InboxPage};
use chrono::{DateTime, SecondsFormat, Utc};

/// (account id, name) as a choice's (value, label).
fn people(staff: Vec<(i64, String)>) -> Vec<(String, String)> {
    staff.into_iter().map(|(id, name)| (id.to_string(), name)).collect()
}

impl Presenter<'_> {
    fn received(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.tz).format("%a %-d %b %Y, %H:%M").to_string()
    }

    /// `/admin/enquiries`: one page of the inbox, for `query`.
    pub fn inbox(&self, page: InboxPage, query: InboxQuery) -> Inbox {
        let per_page = i64::from(INBOX_PER_PAGE);
        let pages = u32::try_from((page.total + per_page - 1) / per_page).unwrap_or(u32::MAX).max(1);
        Inbox {
            items: page
                .rows
                .into_iter()
                .map(|row| InboxItem {
                    received_at: row.created_at.with_timezone(&self.tz).to_rfc3339_opts(SecondsFormat::Secs, true),
                    received: self.received(row.created_at),
                    id: row.id,
                    name: row.name,
                    email: row.email,
                    course: row.course_title,
                    status: row.status,
                    assignee: row.assignee_name,
                })
                .collect(),
            total: page.total,
            pages,
            query,
            staff: people(page.staff),
            courses: page.courses.into_iter().map(|course| (course.slug, course.title)).collect(),
        }
    }

    /// `/admin/enquiries/{id}`: the enquiry with its notes, and the staff
    /// it can be assigned to.
    pub fn enquiry(&self, enquiry: Enquiry, staff: Vec<(i64, String)>) -> EnquiryView {
        EnquiryView {
            id: enquiry.id,
            version: enquiry.version,
            name: enquiry.name,
            email: enquiry.email,
            phone: enquiry.phone,
            course: enquiry.course,
            message: enquiry.message,
            status: enquiry.status,
            assignee: enquiry.assignee_id.map(|id| id.to_string()).unwrap_or_default(),
            received: self.received(enquiry.received_at),
            has_account: enquiry.user_id.is_some(),
            notes: enquiry
                .notes
                .into_iter()
                .map(|note| NoteView {
                    kind: note.kind,
                    author: note.author.unwrap_or_else(|| "A former member of staff".into()),
                    body: note.body,
                    at: self.received(note.created_at),
                })
                .collect(),
            staff: people(staff),
        }
    }
}
