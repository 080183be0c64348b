//! Staff and admin functions. Each checks the caller's role on the server
//! before anything else; the back office pages call them.

use crate::error::AppError;
use leptos::prelude::*;

/// Gives an account another role. Admins only: roles decide who runs the
/// back office. The account's sessions end, so its next request starts
/// afresh with the new role. Sent from the account's page on `/admin/users`.
#[server(prefix = "/rpc", endpoint = "admin/users/role")]
pub async fn set_user_role(user_id: i64, role: String) -> Result<(), AppError> {
    use crate::model::account::Role;
    use crate::model::form::{Field, FieldError, Problem};
    use crate::server::{auth, error::Error, request};
    let (state, _, admin) = auth::require(Role::Admin).await?;
    let Some(role) = Role::parse(&role) else {
        let problem = FieldError { field: Field::Role, problem: Problem::UnknownChoice };
        return Err(Error::Refused(AppError::Invalid(vec![problem])).into());
    };
    state.accounts.set_role(Some(&admin), user_id, role, &request::client()).await?;
    let notice = crate::model::form::Notice::RoleChanged.code();
    leptos_axum::redirect(&format!("{}/{user_id}?notice={notice}", crate::model::users::USERS_PATH));
    Ok(())
}

/// The roster of a session: staff, and the session's own instructor.
#[server(prefix = "/rpc", endpoint = "admin/sessions/roster")]
pub async fn get_roster(session_id: i64) -> Result<crate::model::enrolment::Roster, AppError> {
    use crate::server::{auth, present::Presenter};
    let (state, _, user) = auth::signed_in().await?;
    let roster = state.enrolments.roster(&user, session_id).await?;
    Ok(Presenter::of(&state.config).roster(roster, chrono::Utc::now()))
}

/// Marks a learner on a roster: attended, no-show or not marked
/// (`attendance` empty), and whether they completed the course.
#[server(prefix = "/rpc", endpoint = "admin/sessions/mark")]
pub async fn mark_attendance(
    session_id: i64,
    enrolment_id: i64,
    attendance: String,
    completed: Option<String>,
) -> Result<(), AppError> {
    use crate::model::enrolment::Attendance;
    use crate::model::form::{Field, FieldError, Problem};
    use crate::server::{auth, error::Error};
    let (state, _, user) = auth::signed_in().await?;
    let attendance = match attendance.as_str() {
        "" => None,
        text => match Attendance::parse(text) {
            Some(attendance) => Some(attendance),
            None => {
                let problem = FieldError { field: Field::Attendance, problem: Problem::UnknownChoice };
                return Err(Error::Refused(AppError::Invalid(vec![problem])).into());
            }
        },
    };
    state.enrolments.mark(&user, enrolment_id, attendance, completed.is_some()).await?;
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice=marked#enrolment-{enrolment_id}"));
    Ok(())
}

/// Saves a whole roster in one form: each learner's attendance day by day
/// (`marks[i][d][YYYY-MM-DD]`, empty for not marked) and completion. All
/// or nothing, as `Enrolments::mark_roster`.
#[server(prefix = "/rpc", endpoint = "admin/sessions/mark-roster")]
pub async fn mark_roster(
    session_id: i64,
    #[server(default)] marks: Vec<crate::model::enrolment::RosterMarkForm>,
) -> Result<(), AppError> {
    use crate::server::{auth, enrolment::RosterMark, error::Error};
    let (state, _, user) = auth::signed_in().await?;
    let marks = marks
        .into_iter()
        .map(|row| {
            let days = row
                .parse_days()
                .ok_or_else(|| Error::Refused(AppError::BadRequest("A day of the roster could not be read.".into())))?;
            Ok(RosterMark { enrolment_id: row.enrolment_id, days, completed: row.completed.is_some() })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    state.enrolments.mark_roster(&user, session_id, marks).await?;
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice=marked#attendance-heading"));
    Ok(())
}

/// Marks everyone seated and not yet marked as attended on each day begun.
#[server(prefix = "/rpc", endpoint = "admin/sessions/mark-all")]
pub async fn mark_all_attended(session_id: i64) -> Result<(), AppError> {
    use crate::server::auth;
    let (state, _, user) = auth::signed_in().await?;
    state.enrolments.mark_all_attended(&user, session_id).await?;
    leptos_axum::redirect(&format!("/admin/sessions/{session_id}?notice=marked#attendance-heading"));
    Ok(())
}

/// `/admin/sessions?{raw}`: a page of the rosters the caller may open.
#[server(prefix = "/rpc", endpoint = "admin/sessions/list")]
pub async fn get_rosters(raw: String) -> Result<crate::model::admin::RosterListView, AppError> {
    use crate::model::admin::{RosterListView, RosterQuery};
    use crate::server::{auth, enrolment::RosterFilter, present::Presenter};
    let (state, _, user) = auth::signed_in().await?;
    let query = RosterQuery::parse(&raw);
    let tz = state.config.timezone;
    let day = |d, next| crate::server::dashboard::day_start(tz, d, next);
    let filter = RosterFilter {
        q: query.q.clone(),
        campus: query.campus.clone(),
        from: query.from.and_then(|d| day(d, 0)),
        until: query.to.and_then(|d| day(d, 1)),
        offset: i64::from(query.page - 1) * RosterQuery::PER_PAGE,
        // One more than a page, to know whether there is a next one.
        limit: RosterQuery::PER_PAGE + 1,
    };
    let mut rosters = state.enrolments.rosters(&user, &filter).await?;
    let more = rosters.len() > RosterQuery::PER_PAGE as usize;
    rosters.truncate(RosterQuery::PER_PAGE as usize);
    let (presenter, now) = (Presenter::of(&state.config), chrono::Utc::now());
    let campuses = state.accounts.locations().await?.into_iter().map(|l| (l.slug, l.name)).collect();
    Ok(RosterListView {
        rosters: rosters.into_iter().map(|s| presenter.roster_summary(s, now)).collect(),
        query,
        more,
        campuses,
    })
}
