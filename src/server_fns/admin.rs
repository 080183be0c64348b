//! Staff and admin functions. Each checks the caller's role on the server
//! before anything else; the back office pages call them.

use crate::error::AppError;
use leptos::prelude::*;

/// Gives an account another role. Admins only: roles decide who runs the
/// back office. The account's sessions end, so its next request starts
/// afresh with the new role.
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
    Ok(())
}
