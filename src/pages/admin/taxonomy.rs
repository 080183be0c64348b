//! `/admin/categories`, `/admin/campuses` and `/admin/instructors`: the
//! records courses and sessions point at, each kind listed, searched,
//! sorted and paged; one record's page, where staff edit it over the
//! version they opened and delete it (asked first, with or without
//! JavaScript) when nothing points at it any more.

use super::AdminPage;
use crate::components::form::{FormAlert, LastError, SavedMeanwhile, Select, TextArea, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::pagination::PageLinks;
use crate::error::AppError;
use crate::model::form::Field;
use crate::model::taxonomy::{
    ADDRESS_MAX, CATEGORY_DESCRIPTION_MAX, CITY_MAX, INSTRUCTOR_BIO_MAX, INSTRUCTOR_TITLE_MAX, KEYWORDS_MAX, NAME_MAX,
    SortTaxa, Taxon, TaxonEdit, TaxonListView,
};
use crate::server_fns::taxonomy::{
    DeleteTaxon, SaveCampus, SaveCategory, SaveInstructor, get_taxon_edit, get_taxon_list,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The back office's tab these pages are under.
pub const SECTION: &str = "/admin/categories";

#[component]
pub fn CategoriesPage() -> impl IntoView {
    view! { <TaxonListPage taxon=Taxon::Category/> }
}

#[component]
pub fn CampusesPage() -> impl IntoView {
    view! { <TaxonListPage taxon=Taxon::Campus/> }
}

#[component]
pub fn InstructorsPage() -> impl IntoView {
    view! { <TaxonListPage taxon=Taxon::Instructor/> }
}

#[component]
pub fn NewCategoryPage() -> impl IntoView {
    view! { <NewTaxonPage taxon=Taxon::Category/> }
}

#[component]
pub fn NewCampusPage() -> impl IntoView {
    view! { <NewTaxonPage taxon=Taxon::Campus/> }
}

#[component]
pub fn NewInstructorPage() -> impl IntoView {
    view! { <NewTaxonPage taxon=Taxon::Instructor/> }
}

#[component]
pub fn CategoryPage() -> impl IntoView {
    view! { <TaxonPage taxon=Taxon::Category/> }
}

#[component]
pub fn CampusPage() -> impl IntoView {
    view! { <TaxonPage taxon=Taxon::Campus/> }
}

#[component]
pub fn InstructorPage() -> impl IntoView {
    view! { <TaxonPage taxon=Taxon::Instructor/> }
}

/// Links between the three lists.
#[component]
fn TaxonTabs(current: Taxon) -> impl IntoView {
    view! {
        <nav class="account-nav admin-subnav" aria-label="Academy data">
            <ul>
                {Taxon::ALL
                    .into_iter()
                    .map(|taxon| {
                        let here = (taxon == current).then_some("page");
                        view! { <li><a href=taxon.path() aria-current=here>{taxon.plural()}</a></li> }
                    })
                    .collect_view()}
                <li><a href="/admin/settings">"Settings"</a></li>
            </ul>
        </nav>
    }
}

#[component]
fn TaxonListPage(taxon: Taxon) -> impl IntoView {
    let location = use_location();
    let list = Resource::new(move || location.search.get(), move |raw| get_taxon_list(taxon.as_str().into(), raw));
    view! {
        <AdminPage title=taxon.plural() section=SECTION>
            <TaxonTabs current=taxon/>
            <p><a class="button-link" href=format!("{}/new", taxon.path())>{format!("New {}", taxon.as_str())}</a></p>
            <Loaded data=list keep_previous=true render=|list| view! { <TaxonList list/> }/>
        </AdminPage>
    }
}

#[component]
fn TaxonList(list: TaxonListView) -> impl IntoView {
    let (taxon, query) = (list.taxon, list.query.clone());
    let pages = list.pages();
    let sort_now = query.sort.as_str();
    let count = match list.total {
        1 => format!("1 {}", taxon.as_str()),
        n => format!("{n} {}", taxon.plural().to_lowercase()),
    };
    let link_query = query.clone();
    view! {
        <form method="get" action=taxon.path() class="admin-filter" role="search">
            <div class="field">
                <label for="f-q">"Name or address"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">
                    {SortTaxa::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=s.as_str() == sort_now>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Show"</button>
        </form>
        <p class="muted" role="status">{count}</p>
        <div class="table-wrap">
            <table class="admin-table">
                <caption class="visually-hidden">{taxon.plural()}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">{taxon.detail_heading()}</th>
                        <th scope="col">{taxon.uses_heading()}</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .lines
                        .into_iter()
                        .map(|line| view! {
                            <tr>
                                <th scope="row"><a href=format!("{}/{}", taxon.path(), line.id)>{line.name}</a></th>
                                <td data-label="Address">{line.slug}</td>
                                <td data-label=taxon.detail_heading()>{line.detail}</td>
                                <td data-label=taxon.uses_heading()>{line.uses}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <PageLinks current=query.page pages link=move |page| link_query.href(taxon, page)/>
    }
}

#[component]
fn NewTaxonPage(taxon: Taxon) -> impl IntoView {
    let edit = Resource::new(|| (), move |_| get_taxon_edit(taxon.as_str().into(), None));
    view! {
        <AdminPage title=format!("New {}", taxon.as_str()) section=SECTION>
            <TaxonTabs current=taxon/>
            <Loaded data=edit render=|edit| view! { <TaxonForm edit/> }/>
        </AdminPage>
    }
}

/// The forms of a record's page. With JavaScript a form that succeeds
/// stays on the page, so the page reloads the record after each success:
/// the version the next save must name comes with it.
#[derive(Clone, Copy)]
struct TaxonActions {
    category: ServerAction<SaveCategory>,
    campus: ServerAction<SaveCampus>,
    instructor: ServerAction<SaveInstructor>,
    delete: ServerAction<DeleteTaxon>,
}

impl TaxonActions {
    fn new() -> Self {
        Self {
            category: ServerAction::new(),
            campus: ServerAction::new(),
            instructor: ServerAction::new(),
            delete: ServerAction::new(),
        }
    }

    /// The page's, or new ones for a form on a page of its own.
    fn get() -> Self {
        use_context::<Self>().unwrap_or_else(Self::new)
    }

    /// Changes each time one of the forms has succeeded; a refusal keeps
    /// what was typed beside the error.
    fn successes(self) -> Signal<usize> {
        fn answered_ok<S>(action: ServerAction<S>) -> Memo<usize>
        where
            S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
            S::Output: Clone + Send + Sync + 'static,
        {
            Memo::new(move |previous: Option<&usize>| {
                let answered = action.version().get();
                match action.value().with(|value| matches!(value, Some(Ok(_)))) {
                    true => answered,
                    false => previous.copied().unwrap_or(0),
                }
            })
        }
        let counts = [answered_ok(self.category), answered_ok(self.campus), answered_ok(self.instructor)];
        Signal::derive(move || counts.iter().map(|count| count.get()).sum())
    }
}

#[component]
fn TaxonPage(taxon: Taxon) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let actions = TaxonActions::new();
    provide_context(actions);
    let successes = actions.successes();
    let edit = Resource::new(
        move || (id(), successes.get()),
        move |(id, _)| async move {
            match id {
                Some(id) => get_taxon_edit(taxon.as_str().into(), Some(id)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <AdminPage title=taxon.plural() section=SECTION>
            <TaxonTabs current=taxon/>
            <Loaded data=edit keep_previous=true render=|edit| view! {
                <h2>{edit.title()}</h2>
                <TaxonForm edit=edit.clone()/>
                <Delete edit/>
            }/>
        </AdminPage>
    }
}

/// The record's id and the version its form was opened at (after a
/// refusal for a newer save, the version saved then).
#[component]
fn Identity(id: Option<i64>, version: i64, error: LastError) -> impl IntoView {
    let version = move || match error.get() {
        Some(AppError::Stale { version, .. }) => version,
        _ => version,
    };
    id.map(|id| {
        view! {
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
        }
    })
}

#[component]
fn TaxonForm(edit: TaxonEdit) -> impl IntoView {
    match edit.taxon {
        Taxon::Category => view! { <CategoryForm edit/> }.into_any(),
        Taxon::Campus => view! { <CampusForm edit/> }.into_any(),
        Taxon::Instructor => view! { <InstructorForm edit/> }.into_any(),
    }
}

fn button_label(edit: &TaxonEdit) -> String {
    match edit.id {
        Some(_) => format!("Save {}", edit.taxon.as_str()),
        None => format!("Create {}", edit.taxon.as_str()),
    }
}

const SLUG_HINT: &str =
    "Its address in links: lowercase letters, digits and hyphens. Left empty, it is made from the name.";

#[component]
fn CategoryForm(edit: TaxonEdit) -> impl IntoView {
    let action = TaxonActions::get().category;
    let error = last_error(action);
    let label = button_label(&edit);
    view! {
        <FormAlert error/>
        <SavedMeanwhile error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <Identity id=edit.id version=edit.version error/>
            <TextField field=Field::Name label="Name" value=edit.value("name") required=true maxlength=NAME_MAX error/>
            <TextField field=Field::Slug label="Address" value=edit.value("slug") maxlength=crate::model::admin::SLUG_MAX hint=SLUG_HINT error/>
            <Select field=Field::Kind label="Kind" choices=edit.kinds.clone() value=edit.value("kind") error/>
            <TextField field=Field::Position label="Position" kind="number" value=edit.value("position") hint="Where it comes in its kind's list: lower first." error/>
            <TextField field=Field::Keywords label="Search keywords" value=edit.value("keywords") maxlength=KEYWORDS_MAX hint="Other words people search for its courses by, separated by spaces, such as: security infosec." error/>
            <TextArea field=Field::Description label="Description" value=edit.value("description") max=CATEGORY_DESCRIPTION_MAX error/>
            <button type="submit" disabled=move || action.pending().get()>{label}</button>
        </ActionForm>
    }
}

#[component]
fn CampusForm(edit: TaxonEdit) -> impl IntoView {
    let action = TaxonActions::get().campus;
    let error = last_error(action);
    let label = button_label(&edit);
    view! {
        <FormAlert error/>
        <SavedMeanwhile error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <Identity id=edit.id version=edit.version error/>
            <TextField field=Field::Name label="Name" value=edit.value("name") required=true maxlength=NAME_MAX error/>
            <TextField field=Field::Slug label="Address in links" value=edit.value("slug") maxlength=crate::model::admin::SLUG_MAX hint=SLUG_HINT error/>
            <TextField field=Field::Address label="Street address" value=edit.value("address") required=true maxlength=ADDRESS_MAX hint="As the contact page and each session's place give it." error/>
            <TextField field=Field::City label="City" value=edit.value("city") required=true maxlength=CITY_MAX error/>
            <TextField field=Field::Timezone label="Time zone" value=edit.value("timezone") required=true hint="An IANA zone, such as Europe/Malta." error/>
            <button type="submit" disabled=move || action.pending().get()>{label}</button>
        </ActionForm>
    }
}

#[component]
fn InstructorForm(edit: TaxonEdit) -> impl IntoView {
    let action = TaxonActions::get().instructor;
    let error = last_error(action);
    let label = button_label(&edit);
    view! {
        <FormAlert error/>
        <SavedMeanwhile error/>
        <ActionForm action attr:class="stack-form" attr:novalidate="">
            <Identity id=edit.id version=edit.version error/>
            <TextField field=Field::Name label="Name" value=edit.value("name") required=true maxlength=NAME_MAX error/>
            <TextField field=Field::Slug label="Address" value=edit.value("slug") maxlength=crate::model::admin::SLUG_MAX hint=SLUG_HINT error/>
            <TextField field=Field::Title label="Title" value=edit.value("title") maxlength=INSTRUCTOR_TITLE_MAX hint="Shown under their name on a course's page." error/>
            <TextArea field=Field::Bio label="Biography" value=edit.value("bio") max=INSTRUCTOR_BIO_MAX error/>
            <TextField field=Field::Email label="Their account's e-mail address (optional)" kind="email" value=edit.value("email") hint="The account that signs in to see this instructor's rosters and mark attendance." error/>
            <button type="submit" disabled=move || action.pending().get()>{label}</button>
        </ActionForm>
    }
}

/// Delete: the link leads to a question (`?confirm=delete`), and only the
/// question's button sends the form, so nothing is lost to one click.
#[component]
fn Delete(edit: TaxonEdit) -> impl IntoView {
    let Some(id) = edit.id else { return ().into_any() };
    let taxon = edit.taxon;
    let action = TaxonActions::get().delete;
    let error = last_error(action);
    let query = use_query_map();
    let asked = move || query.read().get("confirm").is_some_and(|c| c == "delete");
    let here = format!("{}/{id}", taxon.path());
    let in_use = match (edit.uses, taxon) {
        (0, _) => None,
        (n, Taxon::Category) => Some(format!("{n} course(s) are in this category: move them first.")),
        (n, _) => Some(format!("{n} session(s) name this {}: it keeps their history.", taxon.as_str())),
    };
    view! {
        <h2>"Delete"</h2>
        <FormAlert error/>
        {move || match (asked(), in_use.clone()) {
            (_, Some(reason)) => view! { <p class="muted">"It cannot be deleted. "{reason}</p> }.into_any(),
            (true, None) => view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-question">
                    <p id="confirm-question">{format!("Delete this {}? This cannot be undone.", taxon.as_str())}</p>
                    <ActionForm action attr:class="inline-form">
                        <input type="hidden" name="taxon" value=taxon.as_str()/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger">"Yes, delete it"</button>
                    </ActionForm>
                    <a href=here.clone()>"No, keep it"</a>
                </div>
            }
            .into_any(),
            (false, None) => view! { <p><a href=format!("{here}?confirm=delete")>"Delete…"</a></p> }.into_any(),
        }}
    }
    .into_any()
}
