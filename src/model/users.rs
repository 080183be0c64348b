//! People, as administrators manage them on `/admin/users`: the list's
//! query (a GET form, so a search is a link and works without
//! JavaScript), and the views the server fills in for the list and for
//! one account's page.

use super::account::Role;
use super::url::{encode_pairs, parse_pairs};
use serde::{Deserialize, Serialize};

/// Longest search text kept from a list's query.
const Q_MAX: usize = 100;
/// Deeper pages than this are never useful.
const PAGE_MAX: u32 = 10_000;

/// The list's address; an account's page is under it.
pub const USERS_PATH: &str = "/admin/users";

/// `/admin/users?q=&role=&page=`. Anything unknown is left out: a list's
/// link always shows something.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListQuery {
    /// Words of a name or of an e-mail address.
    pub q: String,
    pub role: Option<Role>,
    pub page: u32,
}

impl UserListQuery {
    pub const PER_PAGE: i64 = 25;

    pub fn parse(raw: &str) -> Self {
        let mut query = UserListQuery { page: 1, ..Self::default() };
        for (name, value) in parse_pairs(raw) {
            let value = value.trim();
            match name.as_str() {
                "q" => query.q = value.chars().filter(|c| !c.is_control()).take(Q_MAX).collect(),
                "role" => query.role = Role::parse(value),
                "page" => query.page = value.parse::<u32>().unwrap_or(1).clamp(1, PAGE_MAX),
                _ => {}
            }
        }
        query
    }

    /// The rows to skip for this page.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.max(1) - 1) * Self::PER_PAGE
    }

    /// The list's address for another page of the same query.
    pub fn href(&self, page: u32) -> String {
        let page = page.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        if let Some(role) = self.role {
            pairs.push(("role", role.as_str()));
        }
        if page != "1" {
            pairs.push(("page", &page));
        }
        match encode_pairs(pairs) {
            query if query.is_empty() => USERS_PATH.into(),
            query => format!("{USERS_PATH}?{query}"),
        }
    }
}

/// An account in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub deactivated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListView {
    pub query: UserListQuery,
    pub lines: Vec<UserLine>,
    pub total: i64,
}

impl UserListView {
    pub fn pages(&self) -> u32 {
        u32::try_from((self.total + UserListQuery::PER_PAGE - 1) / UserListQuery::PER_PAGE).unwrap_or(1).max(1)
    }
}

/// An instructor profile as an account's page offers it: the version
/// goes with the choice, since linking it is a change to that profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorChoice {
    pub id: i64,
    pub version: i64,
    pub name: String,
}

impl InstructorChoice {
    /// The choice's value in a form: `{id}@{version}`.
    pub fn value(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// A profile named in a form: its id and the version the page showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfilePick {
    pub id: i64,
    pub version: i64,
}

impl ProfilePick {
    /// Reads [`InstructorChoice::value`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (id, version) = text.trim().split_once('@')?;
        let (id, version) = (id.parse::<i64>().ok()?, version.parse::<i64>().ok()?);
        (id > 0 && version > 0).then_some(ProfilePick { id, version })
    }
}

/// One account, as its page in the back office shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub verified: bool,
    /// When it joined, for people.
    pub joined: String,
    /// When it was deactivated, for people; `None` while it is active.
    pub deactivated: Option<String>,
    /// Its confirmed seats and waitlist places still to come or running.
    pub live_enrolments: i64,
    /// The instructor profile it signs in for, if any.
    pub instructor: Option<InstructorChoice>,
    /// The profiles no account is linked to, to link this one to.
    pub free_profiles: Vec<InstructorChoice>,
    /// Whether this is the administrator looking at it: their own role
    /// and activity are not theirs to change here.
    pub is_you: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_query_reads_back_from_its_own_link() {
        let query = UserListQuery::parse("q=%20ann%40&role=staff&page=3&junk=1");
        assert_eq!(query, UserListQuery { q: "ann@".into(), role: Some(Role::Staff), page: 3 });
        assert_eq!(UserListQuery::parse(query.href(3).split_once('?').unwrap().1), query);
        assert_eq!(query.offset(), 50);
        let plain = UserListQuery::parse("role=root&page=-2");
        assert_eq!((plain.role, plain.page), (None, 1));
        assert_eq!(plain.href(1), "/admin/users");
    }

    #[test]
    fn a_profile_pick_names_an_id_and_a_version() {
        let choice = InstructorChoice { id: 7, version: 3, name: "Grace".into() };
        assert_eq!(ProfilePick::parse(&choice.value()), Some(ProfilePick { id: 7, version: 3 }));
        for bad in ["", "7", "7@", "@3", "0@1", "7@x", "-1@2"] {
            assert_eq!(ProfilePick::parse(bad), None, "{bad}");
        }
    }
}
