//! Accounts as the administrators' pages show them: times in the
//! academy's zone.

use super::Presenter;
use crate::model::account::User;
use crate::model::users::{InstructorChoice, UserLine, UserListQuery, UserListView, UserView};
use crate::server::accounts::directory::{DirectoryRow, Person};

impl Presenter<'_> {
    pub fn user_list(&self, query: UserListQuery, rows: Vec<DirectoryRow>, total: i64) -> UserListView {
        let lines = rows
            .into_iter()
            .map(|row| UserLine {
                id: row.id,
                name: row.name,
                email: row.email,
                role: row.role,
                deactivated: row.deactivated_at.is_some(),
            })
            .collect();
        UserListView { query, lines, total }
    }

    /// `viewer` is the administrator looking; `profiles` the instructor
    /// profile the account signs in for and those it could.
    pub fn user_view(
        &self,
        viewer: &User,
        person: Person,
        profiles: (Option<InstructorChoice>, Vec<InstructorChoice>),
    ) -> UserView {
        let account = person.account;
        let at =
            |time: chrono::DateTime<chrono::Utc>| time.with_timezone(&self.tz).format("%-d %b %Y %H:%M").to_string();
        UserView {
            id: account.id,
            is_you: account.id == viewer.id,
            verified: account.email_verified_at.is_some(),
            joined: at(account.created_at),
            deactivated: account.deactivated_at.map(at),
            name: account.name,
            email: account.email,
            role: account.role,
            live_enrolments: person.live_enrolments,
            instructor: profiles.0,
            free_profiles: profiles.1,
        }
    }
}
