//! `/admin/settings`: the academy's contact details, which every page's
//! contact block gives, and its public holidays, on which no date is
//! scheduled unless staff say so. Both are data, edited here: the
//! environment only filled them on the first start.

use super::AdminPage;
use super::taxonomy::SECTION;
use crate::components::form::{FormAlert, SavedMeanwhile, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::error::AppError;
use crate::model::account::{EMAIL_MAX, PHONE_MAX};
use crate::model::form::Field;
use crate::model::taxonomy::{HOLIDAY_NAME_MAX, HolidayLine, OPENING_HOURS_MAX, SettingsView};
use crate::server_fns::settings::{AddHoliday, RemoveHoliday, SaveSettings, get_settings};
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct SettingsActions {
    save: ServerAction<SaveSettings>,
    add: ServerAction<AddHoliday>,
    remove: ServerAction<RemoveHoliday>,
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let actions = SettingsActions { save: ServerAction::new(), add: ServerAction::new(), remove: ServerAction::new() };
    provide_context(actions);
    // With JavaScript a form that succeeds stays on the page: the page
    // reloads the settings after each success (a refusal keeps what was typed).
    let succeeded = move || {
        let ok = |done: bool, version: usize| if done { version } else { 0 };
        ok(matches!(actions.save.value().get(), Some(Ok(_))), actions.save.version().get())
            + ok(matches!(actions.add.value().get(), Some(Ok(_))), actions.add.version().get())
            + ok(matches!(actions.remove.value().get(), Some(Ok(_))), actions.remove.version().get())
    };
    let settings = Resource::new(succeeded, |_| get_settings());
    view! {
        <AdminPage title="Settings" section="/admin/settings">
            <p class="muted">"Categories, campuses and instructors are under "<a href=SECTION>"Academy data"</a>"."</p>
            <Loaded data=settings keep_previous=true render=|settings| view! { <Settings settings/> }/>
        </AdminPage>
    }
}

#[component]
fn Settings(settings: SettingsView) -> impl IntoView {
    let actions = use_context::<SettingsActions>().expect("the settings page's actions");
    let (save, add) = (actions.save, actions.add);
    let (saved, added) = (last_error(save), last_error(add));
    let version = move || match saved.get() {
        Some(AppError::Stale { version, .. }) => version,
        _ => settings.version,
    };
    view! {
        <h2 id="contact">"Contact details"</h2>
        <p class="field-hint">"As the contact page and every page's footer give them."</p>
        <FormAlert error=saved/>
        <SavedMeanwhile error=saved/>
        <ActionForm action=save attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="contact">
            <input type="hidden" name="version" value=version/>
            <TextField field=Field::Phone label="Phone" kind="tel" value=settings.phone required=true maxlength=PHONE_MAX error=saved/>
            <TextField field=Field::Email label="E-mail address" kind="email" value=settings.email required=true maxlength=EMAIL_MAX error=saved/>
            <TextField field=Field::OpeningHours label="Opening hours" value=settings.opening_hours required=true maxlength=OPENING_HOURS_MAX hint="For example: Monday to Friday, 08:30–17:30." error=saved/>
            <button type="submit" disabled=move || save.pending().get()>"Save contact details"</button>
        </ActionForm>
        <h2 id="holidays">"Public holidays"</h2>
        <p class="field-hint">"No date is scheduled on these days unless staff tick “schedule on public holidays too”."</p>
        <Holidays holidays=settings.holidays/>
        <h3 id="add-holiday">"Add a holiday"</h3>
        <FormAlert error=added/>
        <ActionForm action=add attr:class="stack-form" attr:novalidate="" attr:aria-labelledby="add-holiday">
            <TextField field=Field::Date label="Day" kind="date" required=true error=added/>
            <TextField field=Field::Name label="Name" required=true maxlength=HOLIDAY_NAME_MAX error=added/>
            <button type="submit" disabled=move || add.pending().get()>"Add holiday"</button>
        </ActionForm>
    }
}

#[component]
fn Holidays(holidays: Vec<HolidayLine>) -> impl IntoView {
    let remove = use_context::<SettingsActions>().expect("the settings page's actions").remove;
    let error = last_error(remove);
    if holidays.is_empty() {
        return view! { <p class="muted">"No public holidays."</p> }.into_any();
    }
    view! {
        <FormAlert error/>
        <div class="table-wrap">
            <table class="admin-table">
                <caption class="visually-hidden">"Public holidays"</caption>
                <thead>
                    <tr><th scope="col">"Day"</th><th scope="col">"Name"</th><th scope="col">"Remove"</th></tr>
                </thead>
                <tbody>
                    {holidays
                        .into_iter()
                        .map(|h| {
                            let label = format!("Remove {} ({})", h.name, h.day);
                            view! {
                                <tr>
                                    <th scope="row">{h.day}</th>
                                    <td data-label="Name">{h.name}</td>
                                    <td data-label="Remove">
                                        <ActionForm action=remove attr:class="inline-form">
                                            <input type="hidden" name="id" value=h.id/>
                                            <button type="submit" aria-label=label>"Remove"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
