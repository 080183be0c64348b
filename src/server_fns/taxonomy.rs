//! Staff functions on categories, campuses and instructors, for the back
//! office's pages. Each checks the caller's role first, parses its form
//! into the catalogue's typed command and calls the one write path
//! (`server::catalogue::taxonomy`).

use crate::error::AppError;
use crate::model::taxonomy::{TaxonEdit, TaxonListView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, error::Error, present::Presenter, request};

/// The kind of record a request names.
#[cfg(feature = "ssr")]
fn taxon(text: &str) -> Result<crate::model::taxonomy::Taxon, AppError> {
    crate::model::taxonomy::Taxon::parse(text).ok_or_else(|| AppError::BadRequest("Choose a kind of record.".into()))
}

/// The version a saved form names, which an edit must have.
#[cfg(feature = "ssr")]
fn version_of(version: Option<i64>) -> Result<i64, Error> {
    version.ok_or(Error::Refused(AppError::BadRequest("The form has no version.".into())))
}

/// `/admin/categories?{raw}` (or campuses, instructors): a page of the list.
#[server(prefix = "/rpc", endpoint = "admin/taxonomy/list")]
pub async fn get_taxon_list(taxon: String, raw: String) -> Result<TaxonListView, AppError> {
    use crate::model::taxonomy::TaxonListQuery;
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let taxon = self::taxon(&taxon)?;
    let query = TaxonListQuery::parse(&raw);
    let (rows, total) = state.catalogue.taxa(&user, taxon, &query).await?;
    Ok(Presenter::of(&state.config).taxon_list(taxon, query, rows, total))
}

/// A record's edit form, or an empty one for a new record (`id` `None`).
#[server(prefix = "/rpc", endpoint = "admin/taxonomy/get")]
pub async fn get_taxon_edit(taxon: String, id: Option<i64>) -> Result<TaxonEdit, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let taxon = self::taxon(&taxon)?;
    let record = match id {
        Some(id) => Some(state.catalogue.taxon_record(&user, taxon, id).await?),
        None => None,
    };
    Ok(Presenter::of(&state.config).taxon_edit(taxon, record))
}

/// Creates a category (`id` empty) or saves one over the `version` its
/// form was opened at.
#[server(prefix = "/rpc", endpoint = "admin/categories/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_category(
    id: Option<i64>,
    version: Option<i64>,
    slug: String,
    name: String,
    kind: String,
    description: String,
    position: String,
    keywords: String,
) -> Result<(), AppError> {
    use crate::server::catalogue::taxonomy_changes::{CategoryChange, CategoryForm};
    let (state, _, user) = auth::signed_in().await?;
    // The role first: a learner learns nothing from the form's errors.
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let actor = Actor { user: &user, client: &client };
    let form = CategoryForm { slug, name, kind, description, position, keywords };
    let change = CategoryChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let id = match id {
        Some(id) => {
            state.catalogue.update_category(actor, id, version_of(version)?, change).await?;
            id
        }
        None => state.catalogue.create_category(actor, change).await?,
    };
    leptos_axum::redirect(&format!("/admin/categories/{id}?notice=saved"));
    Ok(())
}

/// Creates a campus or saves one over its form's version.
#[server(prefix = "/rpc", endpoint = "admin/campuses/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_campus(
    id: Option<i64>,
    version: Option<i64>,
    slug: String,
    name: String,
    address: String,
    city: String,
    timezone: String,
) -> Result<(), AppError> {
    use crate::server::catalogue::taxonomy_changes::{CampusChange, CampusForm};
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let actor = Actor { user: &user, client: &client };
    let form = CampusForm { slug, name, address, city, timezone };
    let change = CampusChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let id = match id {
        Some(id) => {
            state.catalogue.update_campus(actor, id, version_of(version)?, change).await?;
            id
        }
        None => state.catalogue.create_campus(actor, change).await?,
    };
    leptos_axum::redirect(&format!("/admin/campuses/{id}?notice=saved"));
    Ok(())
}

/// Creates an instructor or saves one over its form's version; `email`
/// names the account that sees their rosters (empty for none).
#[server(prefix = "/rpc", endpoint = "admin/instructors/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_instructor(
    id: Option<i64>,
    version: Option<i64>,
    slug: String,
    name: String,
    title: String,
    bio: String,
    email: String,
) -> Result<(), AppError> {
    use crate::server::catalogue::taxonomy_changes::{InstructorChange, InstructorForm};
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let actor = Actor { user: &user, client: &client };
    let form = InstructorForm { slug, name, title, bio, email };
    let change = InstructorChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    let id = match id {
        Some(id) => {
            state.catalogue.update_instructor(actor, id, version_of(version)?, change).await?;
            id
        }
        None => state.catalogue.create_instructor(actor, change).await?,
    };
    leptos_axum::redirect(&format!("/admin/instructors/{id}?notice=saved"));
    Ok(())
}

/// Deletes a category, campus or instructor nothing points at. The page
/// asks first.
#[server(prefix = "/rpc", endpoint = "admin/taxonomy/delete")]
pub async fn delete_taxon(taxon: String, id: i64) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let taxon = self::taxon(&taxon)?;
    let client = request::client();
    state.catalogue.delete_taxon(Actor { user: &user, client: &client }, taxon, id).await?;
    leptos_axum::redirect(&format!("{}?notice=deleted", taxon.path()));
    Ok(())
}
