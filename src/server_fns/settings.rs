//! Staff functions on the academy's settings: its contact details and
//! its public holidays (`server::catalogue::settings`).

use crate::error::AppError;
use crate::model::taxonomy::SettingsView;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, error::Error, present::Presenter, request};

/// `/admin/settings`: the contact details and every holiday.
#[server(prefix = "/rpc", endpoint = "admin/settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let academy = state.catalogue.academy_record(&user).await?;
    Ok(Presenter::of(&state.config).settings(&academy))
}

/// Saves the phone, e-mail and opening hours over the `version` the form
/// was opened at.
#[server(prefix = "/rpc", endpoint = "admin/settings/save")]
pub async fn save_settings(version: i64, phone: String, email: String, opening_hours: String) -> Result<(), AppError> {
    use crate::server::catalogue::taxonomy_changes::{SettingsChange, SettingsForm};
    let (state, _, user) = auth::signed_in().await?;
    // The role first: a learner learns nothing from the form's errors.
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let change = SettingsChange::parse(&SettingsForm { phone, email, opening_hours })
        .map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    state.catalogue.update_academy(Actor { user: &user, client: &client }, version, change).await?;
    leptos_axum::redirect("/admin/settings?notice=saved");
    Ok(())
}

/// Adds a public holiday: no series is scheduled on it unless staff say so.
#[server(prefix = "/rpc", endpoint = "admin/settings/holidays/add")]
pub async fn add_holiday(date: String, name: String) -> Result<(), AppError> {
    use crate::server::catalogue::taxonomy_changes::{HolidayChange, HolidayForm};
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let change = HolidayChange::parse(&HolidayForm { date, name })
        .map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    state.catalogue.add_holiday(Actor { user: &user, client: &client }, change).await?;
    leptos_axum::redirect("/admin/settings?notice=saved#holidays");
    Ok(())
}

/// Removes a public holiday.
#[server(prefix = "/rpc", endpoint = "admin/settings/holidays/remove")]
pub async fn remove_holiday(id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    state.catalogue.remove_holiday(Actor { user: &user, client: &client }, id).await?;
    leptos_axum::redirect("/admin/settings?notice=deleted#holidays");
    Ok(())
}
