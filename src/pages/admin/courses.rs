//! `/admin/courses`: every course, found by title, state and category; and
//! one course's page, where staff edit its text and price, publish it,
//! open dates for it one at a time or as a weekly series, and archive or
//! delete it (asked first, with or without JavaScript).

use super::AdminPage;
use crate::components::form::{FormAlert, SavedMeanwhile, Select, TextArea, TextField, last_error};
use crate::components::loaded::Loaded;
use crate::components::pagination::PageLinks;
use crate::error::AppError;
use crate::model::admin::{CourseEdit, CourseListView, CourseState, SessionLineView, SortCourses};
use crate::model::form::Field;
use crate::model::query::Mode;
use crate::server_fns::courses::{
    PublishCourse, RetireCourse, SaveCourse, ScheduleSessions, get_course_edit, get_course_list,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

#[component]
pub fn CoursesPage() -> impl IntoView {
    let location = use_location();
    let list = Resource::new(move || location.search.get(), get_course_list);
    view! {
        <AdminPage title="Courses" section="/admin/courses">
            <p>
                <a class="button-link" href="/admin/courses/new">"New course"</a>" "
                <a href="/admin/import">"Import from CSV"</a>" · "
                <a href="/admin/export/courses.csv" download="" rel="external">"Export courses (CSV)"</a>" · "
                <a href="/admin/export/sessions.csv" download="" rel="external">"Export dates (CSV)"</a>
            </p>
            <Loaded data=list keep_previous=true render=|list| view! { <CourseList list/> }/>
        </AdminPage>
    }
}

#[component]
fn CourseList(list: CourseListView) -> impl IntoView {
    let query = list.query.clone();
    let pages = list.pages();
    let states: Vec<(String, String)> =
        CourseState::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect();
    let sorts: Vec<(String, String)> =
        SortCourses::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect();
    let option = |(value, label): (String, String), chosen: &str| {
        let selected = value == chosen;
        view! { <option value=value selected=selected>{label}</option> }
    };
    let state_now = query.state.map(|s| s.as_str()).unwrap_or("").to_string();
    let category_now = query.category.clone().unwrap_or_default();
    let sort_now = query.sort.as_str().to_string();
    let count = match list.total {
        1 => "1 course".to_string(),
        n => format!("{n} courses"),
    };
    let link_query = query.clone();
    view! {
        <form method="get" action="/admin/courses" class="admin-filter" role="search">
            <div class="field">
                <label for="f-q">"Title or address"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-state">"State"</label>
                <select id="f-state" name="state">
                    <option value="" selected=state_now.is_empty()>"Any state"</option>
                    {states.into_iter().map(|c| option(c, &state_now)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-category">"Category"</label>
                <select id="f-category" name="category">
                    <option value="" selected=category_now.is_empty()>"Any category"</option>
                    {list.categories.clone().into_iter().map(|c| option(c, &category_now)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">{sorts.into_iter().map(|c| option(c, &sort_now)).collect_view()}</select>
            </div>
            <button type="submit">"Show"</button>
        </form>
        <p class="muted" role="status">{count}</p>
        <div class="table-wrap">
            <table class="admin-table">
                <caption class="visually-hidden">"Courses"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Course"</th>
                        <th scope="col">"Category"</th>
                        <th scope="col">"Price"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Upcoming dates"</th>
                        <th scope="col">"Last changed"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .lines
                        .into_iter()
                        .map(|line| view! {
                            <tr>
                                <th scope="row"><a href=format!("/admin/courses/{}", line.id)>{line.title}</a></th>
                                <td data-label="Category">{line.category}</td>
                                <td data-label="Price">{line.price}</td>
                                <td data-label="State"><span class=format!("state state-{}", line.state.as_str())>{line.state.label()}</span></td>
                                <td data-label="Upcoming dates">{line.upcoming}</td>
                                <td data-label="Last changed">{line.updated}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <PageLinks current=query.page pages link=move |page| link_query.href(page)/>
    }
}

#[component]
pub fn NewCoursePage() -> impl IntoView {
    let course = Resource::new(|| (), |_| get_course_edit(None));
    view! {
        <AdminPage title="New course" section="/admin/courses">
            <Loaded data=course render=|course| view! { <CourseForm course/> }/>
        </AdminPage>
    }
}

/// The forms of a course's page. With JavaScript, a form that succeeds
/// stays on the page, so the page reloads the course after each one: its
/// state, its dates and the version the next save must name.
#[derive(Clone, Copy)]
struct CourseActions {
    save: ServerAction<SaveCourse>,
    publish: ServerAction<PublishCourse>,
    schedule: ServerAction<ScheduleSessions>,
    retire: ServerAction<RetireCourse>,
}

impl CourseActions {
    fn new() -> Self {
        Self {
            save: ServerAction::new(),
            publish: ServerAction::new(),
            schedule: ServerAction::new(),
            retire: ServerAction::new(),
        }
    }

    /// The page's, or new ones for a form on a page of its own.
    fn get() -> Self {
        use_context::<Self>().unwrap_or_else(Self::new)
    }

    /// Changes each time one of the forms has succeeded. A refusal does
    /// not reload the page: the form keeps what was typed, beside the error.
    fn successes(self) -> Signal<usize> {
        /// How many times `action` has been answered, as of its last success.
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
        let counts =
            [answered_ok(self.save), answered_ok(self.publish), answered_ok(self.schedule), answered_ok(self.retire)];
        Signal::derive(move || counts.iter().map(|count| count.get()).sum())
    }
}

#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let actions = CourseActions::new();
    provide_context(actions);
    let successes = actions.successes();
    let course = Resource::new(
        move || (id(), successes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_course_edit(Some(id)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <AdminPage title="Course" section="/admin/courses">
            <Loaded data=course keep_previous=true render=|course| view! { <CourseSections course/> }/>
        </AdminPage>
    }
}

#[component]
fn CourseSections(course: CourseEdit) -> impl IntoView {
    let Some(id) = course.id else { return ().into_any() };
    let state = course.state.unwrap_or(CourseState::Draft);
    let sessions = course.sessions.clone();
    let (locations, instructors) = (course.locations.clone(), course.instructors.clone());
    let title = course.title.clone();
    let dates_csv = format!("/admin/export/sessions.csv?course={}", course.slug);
    view! {
        <h2 class="course-heading">{title}" "<span class=format!("state state-{}", state.as_str())>{state.label()}</span></h2>
        <CourseState id state/>
        <CourseForm course/>
        <h2 id="sessions">"Dates"</h2>
        <SessionList sessions/>
        <p><a href=dates_csv download="" rel="external">"Export these dates (CSV)"</a></p>
        <ScheduleForm course_id=id locations instructors/>
        <Retire id state/>
    }
    .into_any()
}

/// Publish or unpublish, as the course's state allows.
#[component]
fn CourseState(id: i64, state: CourseState) -> impl IntoView {
    let action = CourseActions::get().publish;
    let error = last_error(action);
    let (publish, label) = match state {
        CourseState::Draft => ("yes", "Publish"),
        CourseState::Published => ("no", "Unpublish"),
        CourseState::Archived => return ().into_any(),
    };
    view! {
        <FormAlert error/>
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="publish" value=publish/>
            <button type="submit">{label}</button>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn CourseForm(course: CourseEdit) -> impl IntoView {
    use crate::model::admin::{DESCRIPTION_MAX, OUTCOMES_MAX, PREREQUISITES_MAX, SLUG_MAX, SUMMARY_MAX, TITLE_MAX};
    let action = CourseActions::get().save;
    let error = last_error(action);
    // After a refusal for a newer save, the form is sent again over the
    // version that was saved then.
    let version = move || match error.get() {
        Some(AppError::Stale { version, .. }) => version,
        _ => course.version,
    };
    let awards =
        if error.came_back() { error.typed("awards_certificate").is_some() } else { course.awards_certificate };
    let new = course.id.is_none();
    view! {
        <FormAlert error/>
        <SavedMeanwhile error/>
        <ActionForm action attr:class="stack-form course-form" attr:novalidate="">
            {course.id.map(|id| view! {
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
            })}
            <TextField field=Field::Title label="Title" value=course.title required=true maxlength=TITLE_MAX error/>
            <TextField field=Field::Slug label="Address" value=course.slug maxlength=SLUG_MAX hint="The course's address: /courses/this-part. Left empty, it is made from the title." error/>
            <Select field=Field::Category label="Category" any="Choose a category" choices=course.categories value=course.category error/>
            <TextField field=Field::Summary label="Summary" value=course.summary required=true maxlength=SUMMARY_MAX hint="One or two sentences for the course's card." error/>
            <TextArea field=Field::Description label="Description (Markdown)" value=course.description max=DESCRIPTION_MAX error/>
            <TextArea field=Field::Outcomes label="Learning outcomes, one per line" value=course.outcomes max=OUTCOMES_MAX error/>
            <TextArea field=Field::Prerequisites label="Prerequisites" value=course.prerequisites max=PREREQUISITES_MAX error/>
            <Select field=Field::Level label="Level" choices=course.levels value=course.level error/>
            <TextField field=Field::DurationHours label="Hours of teaching" kind="number" value=course.duration_hours required=true error/>
            <TextField field=Field::Price label="Price (EUR)" value=course.price required=true hint="For example 1495 or 1495.50." error/>
            <Select field=Field::Language label="Language" choices=course.languages value=course.language error/>
            <div class="check">
                <input type="checkbox" id="f-awards_certificate" name="awards_certificate" value="on" checked=awards/>
                <label for="f-awards_certificate">"Awards a certificate of completion"</label>
            </div>
            <button type="submit" disabled=move || action.pending().get()>{if new { "Create course" } else { "Save course" }}</button>
        </ActionForm>
    }
}

#[component]
fn SessionList(sessions: Vec<SessionLineView>) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="muted">"No dates yet."</p> }.into_any();
    }
    view! {
        <ul class="roster-list">
            {sessions
                .into_iter()
                .map(|s| view! {
                    <li class="roster-entry">
                        <a href=format!("/admin/sessions/{}", s.id)>{s.when}</a>
                        <br/>{s.place}<span class="muted">{format!(" · {} · {}", s.seats, s.status)}</span>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ScheduleForm(course_id: i64, locations: Vec<(String, String)>, instructors: Vec<(String, String)>) -> impl IntoView {
    let action = CourseActions::get().schedule;
    let error = last_error(action);
    let modes: Vec<(String, String)> =
        Mode::ALL.iter().map(|m| (m.as_str().to_string(), m.label().to_string())).collect();
    let holidays = error.came_back() && error.typed("allow_holidays").is_some();
    view! {
        <h3>"Open dates"</h3>
        <FormAlert error/>
        <ActionForm action attr:class="stack-form schedule-form" attr:novalidate="">
            <input type="hidden" name="course_id" value=course_id/>
            <p class="field-hint">"Dates and times are the academy's local time."</p>
            <TextField field=Field::StartDate label="First date" kind="date" required=true error/>
            <TextField field=Field::StartTime label="Starts at" kind="time" value="09:00" required=true error/>
            <TextField field=Field::EndTime label="Ends at" kind="time" value="17:00" required=true error/>
            <TextField field=Field::Weeks label="Weeks" kind="number" value="1" hint="One date a week for this many weeks, on the same weekday." error/>
            <Select field=Field::Mode label="Held" choices=modes value="in-person" error/>
            <Select field=Field::Location label="Campus" any="None (online)" choices=locations value="" error/>
            <Select field=Field::Instructor label="Instructor" any="Not yet named" choices=instructors value="" error/>
            <TextField field=Field::Capacity label="Seats" kind="number" value="12" required=true error/>
            <div class="check">
                <input type="checkbox" id="f-allow_holidays" name="allow_holidays" value="on" checked=holidays/>
                <label for="f-allow_holidays">"Schedule on public holidays too"</label>
            </div>
            <button type="submit" disabled=move || action.pending().get()>"Schedule"</button>
        </ActionForm>
    }
}

/// Archive or delete: the button leads to a question (`?confirm=…`), and
/// only the question's button sends the form, so nothing is lost to one
/// click, with or without JavaScript.
#[component]
fn Retire(id: i64, state: CourseState) -> impl IntoView {
    let action = CourseActions::get().retire;
    let error = last_error(action);
    let query = use_query_map();
    let asked = move || query.read().get("confirm").filter(|c| c == "archive" || c == "delete");
    view! {
        <h2>"Archive or delete"</h2>
        <FormAlert error/>
        {move || match asked() {
            Some(what) => {
                let question = if what == "archive" {
                    "Archive this course? It leaves the catalogue for good; its dates, learners and certificates stay."
                } else {
                    "Delete this course and its dates? This cannot be undone. A course that ever had a learner is archived instead."
                };
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="confirm-question">
                        <p id="confirm-question">{question}</p>
                        <ActionForm action attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="action" value=what.clone()/>
                            <button type="submit" class="danger">{if what == "archive" { "Yes, archive it" } else { "Yes, delete it" }}</button>
                        </ActionForm>
                        <a href=format!("/admin/courses/{id}")>"No, keep it"</a>
                    </div>
                }
                .into_any()
            }
            None => view! {
                <p>
                    {(state != CourseState::Archived).then(|| view! { <a href=format!("/admin/courses/{id}?confirm=archive")>"Archive…"</a>" · " })}
                    <a href=format!("/admin/courses/{id}?confirm=delete")>"Delete…"</a>
                </p>
            }
            .into_any(),
        }}
    }
}
