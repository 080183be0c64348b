//! Administrators' functions on accounts, for `/admin/users`. Each checks
//! the caller is an administrator before anything else, then calls the
//! accounts' directory (`server::accounts::directory`), or the catalogue
//! for the instructor profile an account signs in for. A role change is
//! `admin::set_user_role`.

use crate::error::AppError;
use crate::model::users::{UserListView, UserView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, error::Error, request};

/// The instructor profile a form names, or the field's error.
#[cfg(feature = "ssr")]
fn pick(text: &str) -> Result<crate::model::users::ProfilePick, Error> {
    use crate::model::form::{Field, FieldError, Problem};
    let problem = match text.trim() {
        "" => Problem::Required,
        text => match crate::model::users::ProfilePick::parse(text) {
            Some(pick) => return Ok(pick),
            None => Problem::UnknownChoice,
        },
    };
    Err(Error::Refused(AppError::Invalid(vec![FieldError { field: Field::Instructor, problem }])))
}

/// Where an account's page is, with the notice of what was just done.
#[cfg(feature = "ssr")]
fn back_to(user_id: i64, notice: crate::model::form::Notice) {
    leptos_axum::redirect(&format!("{}/{user_id}?notice={}", crate::model::users::USERS_PATH, notice.code()));
}

/// `/admin/users?{raw}`: a page of the accounts found.
#[server(prefix = "/rpc", endpoint = "admin/users/list")]
pub async fn get_users(raw: String) -> Result<UserListView, AppError> {
    use crate::model::users::UserListQuery;
    use crate::server::present::Presenter;
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let query = UserListQuery::parse(&raw);
    let (rows, total) = state.accounts.directory(&admin, &query).await?;
    Ok(Presenter::of(&state.config).user_list(query, rows, total))
}

/// One account's page.
#[server(prefix = "/rpc", endpoint = "admin/users/get")]
pub async fn get_user(id: i64) -> Result<UserView, AppError> {
    use crate::server::present::Presenter;
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let person = state.accounts.person(&admin, id).await?;
    let profiles = state.catalogue.instructor_profiles(&admin, id).await?;
    Ok(Presenter::of(&state.config).user_view(&admin, person, profiles))
}

/// Deactivates an account; `hand_on` (a ticked box) gives its seats to
/// the waitlists as well. The page asks first.
#[server(prefix = "/rpc", endpoint = "admin/users/deactivate")]
pub async fn deactivate_user(user_id: i64, hand_on: Option<String>) -> Result<(), AppError> {
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let client = request::client();
    state.accounts.deactivate(Actor { user: &admin, client: &client }, user_id, hand_on.is_some()).await?;
    back_to(user_id, crate::model::form::Notice::AccountDeactivated);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "admin/users/reactivate")]
pub async fn reactivate_user(user_id: i64) -> Result<(), AppError> {
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let client = request::client();
    state.accounts.reactivate(Actor { user: &admin, client: &client }, user_id).await?;
    back_to(user_id, crate::model::form::Notice::AccountReactivated);
    Ok(())
}

/// Links the account to an instructor profile, named `{id}@{version}`.
#[server(prefix = "/rpc", endpoint = "admin/users/instructor/link")]
pub async fn link_instructor(user_id: i64, instructor: String) -> Result<(), AppError> {
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let pick = pick(&instructor)?;
    let client = request::client();
    state.catalogue.link_instructor(Actor { user: &admin, client: &client }, pick, user_id).await?;
    back_to(user_id, crate::model::form::Notice::InstructorLinked);
    Ok(())
}

/// Takes the account off its instructor profile, named `{id}@{version}`.
#[server(prefix = "/rpc", endpoint = "admin/users/instructor/unlink")]
pub async fn unlink_instructor(user_id: i64, instructor: String) -> Result<(), AppError> {
    let (state, _, admin) = auth::require(crate::model::account::Role::Admin).await?;
    let pick = pick(&instructor)?;
    let client = request::client();
    state.catalogue.unlink_instructor(Actor { user: &admin, client: &client }, pick, user_id).await?;
    back_to(user_id, crate::model::form::Notice::InstructorUnlinked);
    Ok(())
}
