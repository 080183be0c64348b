//! Staff functions on courses and their dates, for the back office's
//! pages. Each parses its form into the catalogue's typed command and
//! calls the one write path (`server::catalogue::edit`, `schedule`), which
//! checks the caller's role before anything else.

use crate::error::AppError;
use crate::model::admin::{CourseEdit, CourseListView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{audit::Actor, auth, error::Error, present::Presenter, request};

/// `/admin/courses?{raw}`: a page of the list.
#[server(prefix = "/rpc", endpoint = "admin/courses/list")]
pub async fn get_course_list(raw: String) -> Result<CourseListView, AppError> {
    use crate::model::admin::CourseListQuery;
    let (state, _, user) = auth::signed_in().await?;
    let query = CourseListQuery::parse(&raw);
    let list = state.catalogue.staff_courses(&user, &query).await?;
    let choices = state.catalogue.choices(&user).await?;
    Ok(Presenter::of(&state.config).course_list(list, query, choices))
}

/// A course's edit form, or an empty one for a new course (`id` `None`).
#[server(prefix = "/rpc", endpoint = "admin/courses/get")]
pub async fn get_course_edit(id: Option<i64>) -> Result<CourseEdit, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let choices = state.catalogue.choices(&user).await?;
    let (record, sessions) = match id {
        Some(id) => {
            let record = state.catalogue.course_record(&user, id).await?;
            (Some(record), state.catalogue.course_sessions(&user, id).await?)
        }
        None => (None, Vec::new()),
    };
    Ok(Presenter::of(&state.config).course_edit(record, sessions, choices))
}

/// Creates a course (`id` empty) or saves one over the `version` its form
/// was opened at. A checkbox is sent only when ticked, hence the option.
#[server(prefix = "/rpc", endpoint = "admin/courses/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_course(
    id: Option<i64>,
    version: Option<i64>,
    slug: String,
    title: String,
    category: String,
    summary: String,
    description: String,
    outcomes: String,
    prerequisites: String,
    level: String,
    duration_hours: String,
    price: String,
    language: String,
    awards_certificate: Option<String>,
) -> Result<(), AppError> {
    use crate::server::catalogue::changes::{CourseChange, CourseForm};
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let actor = Actor { user: &user, client: &client };
    let form = CourseForm {
        slug,
        title,
        category,
        summary,
        description,
        outcomes,
        prerequisites,
        level,
        duration_hours,
        price,
        language,
        awards_certificate: awards_certificate.is_some(),
    };
    // The role first: a learner learns nothing from the form's errors.
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let change = CourseChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    match id {
        Some(id) => {
            let version = version.ok_or(Error::Refused(AppError::BadRequest("The form has no version.".into())))?;
            state.catalogue.update_course(actor, id, version, change).await?;
            leptos_axum::redirect(&format!("/admin/courses/{id}?notice=saved"));
        }
        None => {
            let id = state.catalogue.create_course(actor, change).await?;
            leptos_axum::redirect(&format!("/admin/courses/{id}?notice=course-created"));
        }
    }
    Ok(())
}

/// Publishes (`publish` = "yes") or unpublishes a course.
#[server(prefix = "/rpc", endpoint = "admin/courses/publish")]
pub async fn publish_course(id: i64, publish: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let published = publish == "yes";
    state.catalogue.set_published(Actor { user: &user, client: &client }, id, published).await?;
    let notice = if published { "published" } else { "unpublished" };
    leptos_axum::redirect(&format!("/admin/courses/{id}?notice={notice}"));
    Ok(())
}

/// Archives a course, or deletes one that never had a learner
/// (`action` "archive" or "delete"). The page asks first.
#[server(prefix = "/rpc", endpoint = "admin/courses/retire")]
pub async fn retire_course(id: i64, action: String) -> Result<(), AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let client = request::client();
    let actor = Actor { user: &user, client: &client };
    match action.as_str() {
        "archive" => {
            state.catalogue.archive_course(actor, id).await?;
            leptos_axum::redirect(&format!("/admin/courses/{id}?notice=archived"));
        }
        "delete" => {
            state.catalogue.delete_course(actor, id).await?;
            leptos_axum::redirect("/admin/courses?notice=deleted");
        }
        _ => return Err(AppError::BadRequest("Choose archive or delete.".into())),
    }
    Ok(())
}

/// Schedules one session, or a weekly series, of a course.
#[server(prefix = "/rpc", endpoint = "admin/courses/schedule")]
#[allow(clippy::too_many_arguments)]
pub async fn schedule_sessions(
    course_id: i64,
    start_date: String,
    start_time: String,
    end_time: String,
    mode: String,
    location: String,
    instructor: String,
    capacity: String,
    weeks: String,
    allow_holidays: Option<String>,
) -> Result<(), AppError> {
    use crate::server::catalogue::changes::{ScheduleChange, ScheduleForm};
    let (state, _, user) = auth::signed_in().await?;
    auth::must_be(&user, crate::model::account::Role::Staff)?;
    let client = request::client();
    let form = ScheduleForm {
        start_date,
        start_time,
        end_time,
        mode,
        location,
        instructor,
        capacity,
        weeks,
        allow_holidays: allow_holidays.is_some(),
    };
    let change = ScheduleChange::parse(&form).map_err(|problems| Error::Refused(AppError::Invalid(problems)))?;
    state.catalogue.schedule(Actor { user: &user, client: &client }, course_id, change).await?;
    leptos_axum::redirect(&format!("/admin/courses/{course_id}?notice=sessions-scheduled#sessions"));
    Ok(())
}

/// The back office's first page.
#[server(prefix = "/rpc", endpoint = "admin/dashboard")]
pub async fn get_dashboard() -> Result<crate::model::admin::DashboardView, AppError> {
    let (state, _, user) = auth::signed_in().await?;
    let dashboard = crate::server::dashboard::load(&state.db, &user, state.config.timezone, chrono::Utc::now()).await?;
    Ok(Presenter::of(&state.config).dashboard(dashboard))
}

/// `/admin/audit?{raw}`: a page of the trail.
#[server(prefix = "/rpc", endpoint = "admin/audit")]
pub async fn get_audit(raw: String) -> Result<crate::model::admin::AuditView, AppError> {
    use crate::model::admin::{AuditQuery, AuditView};
    use crate::server::audit::{TrailFilter, trail};
    let (state, _, user) = auth::signed_in().await?;
    let query = AuditQuery::parse(&raw);
    let tz = state.config.timezone;
    let day = |d, next| crate::server::dashboard::day_start(tz, d, next);
    let filter = TrailFilter {
        person: query.person.clone(),
        entity: query.entity.clone(),
        entity_id: query.entity_id,
        action: query.action.clone(),
        from: query.from.and_then(|d| day(d, 0)),
        until: query.to.and_then(|d| day(d, 1)),
        offset: i64::from(query.page - 1) * AuditQuery::PER_PAGE,
        // One more than a page, to know whether there is a next one.
        limit: AuditQuery::PER_PAGE + 1,
    };
    let mut entries = trail(&state.db, &user, &filter).await?;
    let more = entries.len() > AuditQuery::PER_PAGE as usize;
    entries.truncate(AuditQuery::PER_PAGE as usize);
    let presenter = Presenter::of(&state.config);
    Ok(AuditView { query, lines: entries.into_iter().map(|e| presenter.audit_line(e)).collect(), more })
}
