//! Pieces every form uses, whatever it is for: labelled fields (a line, a
//! paragraph, a choice) with the problem the server found in each, the
//! form-level alert, and the notice a redirect leaves behind.

use crate::error::AppError;
use crate::model::form::{Field, Notice};
use crate::model::returned::Returned;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A form that came back after a failed post without JavaScript, for the
/// page it returned to (the server takes it out of the session, see
/// `server::returned`); sent along with the page for hydration.
#[derive(Clone, Debug, Default)]
pub struct ReturnedForm(pub Option<Returned>);

/// Provides the [`ReturnedForm`] of this page to every form on it.
pub fn provide_returned_form() {
    let returned = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Returned>().cloned())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<Returned>
        }
    });
    provide_context(ReturnedForm(returned.into_inner()));
}

/// A form's last failed submission: its error, and what was typed when it
/// came back from a post without JavaScript.
#[derive(Clone, Copy)]
pub struct LastError {
    error: Signal<Option<AppError>>,
    returned: StoredValue<Option<Returned>>,
}

impl LastError {
    /// A failure found without a server action: a GET form the page
    /// itself checks, whose fields show it all the same.
    pub fn found(error: Option<AppError>) -> Self {
        LastError { error: Signal::derive(move || error.clone()), returned: StoredValue::new(None) }
    }

    pub fn get(&self) -> Option<AppError> {
        self.error.get()
    }

    /// What was typed in the field `name` before the form came back.
    pub fn typed(&self, name: &str) -> Option<String> {
        self.returned.with_value(|r| r.as_ref().and_then(|r| r.typed(name)).map(str::to_string))
    }

    /// Whether the form came back with what was typed (a checkbox left
    /// unticked sends nothing).
    pub fn came_back(&self) -> bool {
        self.returned.with_value(Option::is_some)
    }
}

/// A server action's failure, for the fields to read: the action's own
/// once it has run here, else the one its form came back with.
pub fn last_error<S>(action: ServerAction<S>) -> LastError
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let returned = use_context::<ReturnedForm>().and_then(|r| r.0).filter(|r| r.action == S::url());
    let came_back = returned.as_ref().map(|r| r.error.clone());
    let error = Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => came_back.clone(),
    });
    LastError { error, returned: StoredValue::new(returned) }
}

/// What the server found wrong with one field, for its control (marked
/// invalid and described by the message) and for the message under it.
#[derive(Clone, Copy)]
struct FieldProblem {
    field: Field,
    error: LastError,
}

impl FieldProblem {
    fn message(self) -> Option<String> {
        self.error.get().and_then(|e| e.field_message(self.field))
    }

    fn error_id(self) -> String {
        format!("f-{}-error", self.field.key())
    }

    fn invalid(self) -> impl Fn() -> Option<&'static str> + Send + Sync + Clone + 'static {
        move || self.message().map(|_| "true")
    }

    /// The hint's id (if the field has one), then the message's while
    /// there is one.
    fn described_by(self, hint_id: Option<String>) -> impl Fn() -> Option<String> + Send + Sync + Clone + 'static {
        let error_id = self.error_id();
        move || {
            let mut ids: Vec<String> = hint_id.iter().cloned().collect();
            if self.message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }

    fn view(self) -> impl IntoView {
        let error_id = self.error_id();
        move || self.message().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })
    }
}

/// A labelled input with the problem the server found in it, if any.
#[component]
pub fn TextField(
    field: Field,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    error: LastError,
) -> impl IntoView {
    let id = format!("f-{}", field.key());
    let hint_id = format!("{id}-hint");
    let problem = FieldProblem { field, error };
    // What was typed comes back, except a password.
    let typed = match kind {
        "password" => value,
        _ => error.typed(field.key()).unwrap_or(value),
    };
    let described = problem.described_by(hint.map(|_| hint_id.clone()));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=field.key()
                type=kind
                value=typed
                autocomplete=autocomplete
                required=required
                maxlength=maxlength.map(|n| n.to_string())
                aria-invalid=problem.invalid()
                aria-describedby=described
            />
            {problem.view()}
        </div>
    }
}

/// A labelled paragraph of text, at most `max` characters, with the
/// problem the server found in it; what was typed comes back.
#[component]
pub fn TextArea(
    field: Field,
    label: &'static str,
    #[prop(into)] value: String,
    max: usize,
    #[prop(optional)] hint: Option<&'static str>,
    error: LastError,
) -> impl IntoView {
    let id = format!("f-{}", field.key());
    let hint_id = format!("{id}-hint");
    let problem = FieldProblem { field, error };
    let value = error.typed(field.key()).unwrap_or(value);
    let described = problem.described_by(hint.map(|_| hint_id.clone()));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <textarea
                id=id
                name=field.key()
                rows="5"
                maxlength=max.to_string()
                aria-invalid=problem.invalid()
                aria-describedby=described
            >
                {crate::components::verbatim::textarea_text(&value)}
            </textarea>
            {problem.view()}
        </div>
    }
}

/// A labelled choice (`<select>`) with the problem the server found in
/// it. `any` labels the empty choice, offered first when a value is not
/// required; what was chosen comes back after a failed post.
#[component]
pub fn Select(
    field: Field,
    label: &'static str,
    #[prop(optional)] any: Option<&'static str>,
    /// (value, label) of each choice.
    choices: Vec<(String, String)>,
    /// The value chosen now; empty for none.
    #[prop(into)]
    value: String,
    error: LastError,
) -> impl IntoView {
    let id = format!("f-{}", field.key());
    let problem = FieldProblem { field, error };
    let chosen = error.typed(field.key()).unwrap_or(value);
    let none = chosen.is_empty();
    let options = choices
        .into_iter()
        .map(|(value, label)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=field.key() aria-invalid=problem.invalid() aria-describedby=problem.described_by(None)>
                {any.map(|any| view! { <option value="" selected=none>{any}</option> })}
                {options}
            </select>
            {problem.view()}
        </div>
    }
}

/// A labelled set of radio buttons (`<fieldset>`), with the problem the
/// server found in the choice; what was chosen comes back after a failed
/// post. `hints` say more of a choice, by its value.
#[component]
pub fn RadioGroup(
    field: Field,
    legend: &'static str,
    /// (value, label) of each choice.
    choices: Vec<(&'static str, &'static str)>,
    #[prop(into)] value: String,
    error: LastError,
) -> impl IntoView {
    let problem = FieldProblem { field, error };
    let chosen = error.typed(field.key()).unwrap_or(value);
    let options = choices
        .into_iter()
        .map(|(value, label)| {
            let id = format!("f-{}-{value}", field.key());
            let checked = value == chosen;
            view! {
                <div class="check">
                    <input type="radio" id=id.clone() name=field.key() value=value checked=checked/>
                    <label for=id>{label}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field choices" aria-invalid=problem.invalid() aria-describedby=problem.described_by(None)>
            <legend>{legend}</legend>
            {options}
            {problem.view()}
        </fieldset>
    }
}

/// A checkbox that must be ticked (accepting terms), with the problem the
/// server found when it was not; `label` may hold links.
#[component]
pub fn CheckField(field: Field, error: LastError, children: Children) -> impl IntoView {
    let id = format!("f-{}", field.key());
    let problem = FieldProblem { field, error };
    let checked = error.came_back() && error.typed(field.key()).is_some();
    view! {
        <div class="field">
            <div class="check">
                <input
                    type="checkbox"
                    id=id.clone()
                    name=field.key()
                    value="on"
                    checked=checked
                    aria-invalid=problem.invalid()
                    aria-describedby=problem.described_by(None)
                />
                <label for=id>{children()}</label>
            </div>
            {problem.view()}
        </div>
    }
}

/// What went wrong with the whole form, or the summary of what is wrong
/// in its fields: the first thing anyone meets after a refusal. A page
/// that arrives with it (the form came back from a post without
/// JavaScript) focuses it on load (`autofocus`); one refused while the app
/// runs moves the focus to it, whether it was sent with a button or with
/// Enter in a field. Hydrating leaves the focus where the visitor has put
/// it since the page arrived.
#[component]
pub fn FormAlert(error: LastError) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let text = error.to_string();
            let alert = NodeRef::<leptos::html::Div>::new();
            if !Owner::current_shared_context().is_some_and(|context| context.during_hydration()) {
                alert.on_load(|alert| {
                    let _ = alert.focus();
                });
            }
            view! { <div class="form-alert" role="alert" tabindex="-1" autofocus node_ref=alert>{text}</div> }
        })
    }
}

/// The message a redirect asked for with `?notice=...`; not beside the
/// error of a form that has since failed (`unless`), never a success and
/// an error at once.
#[component]
pub fn NoticeBanner(#[prop(optional)] unless: Option<LastError>) -> impl IntoView {
    let query = use_query_map();
    move || {
        if unless.is_some_and(|error| error.get().is_some()) {
            return None;
        }
        query.read().get("notice").and_then(|code| Notice::parse(&code)).map(|notice| {
            view! { <div class="form-notice" role="status">{notice.message()}</div> }
        })
    }
}

/// What someone else saved, when this form's save was refused for it
/// (`AppError::Stale`): each field they changed and what it holds now.
#[component]
pub fn SavedMeanwhile(error: LastError) -> impl IntoView {
    move || match error.get() {
        Some(AppError::Stale { changes, .. }) if !changes.is_empty() => Some(view! {
            <div class="saved-meanwhile">
                <h3>"What was saved meanwhile"</h3>
                <dl>
                    {changes
                        .into_iter()
                        .map(|(field, value)| view! { <dt>{field.replace('_', " ")}</dt><dd>{value}</dd> })
                        .collect_view()}
                </dl>
            </div>
        }),
        _ => None,
    }
}

/// The "From" and "To" days of a back-office filter (`from`, `to`), each
/// showing the day in force.
#[component]
pub fn DateRange(from: Option<crate::model::date::Date>, to: Option<crate::model::date::Date>) -> impl IntoView {
    let day = |d: Option<crate::model::date::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <div class="field">
            <label for="f-from">"From"</label>
            <input id="f-from" type="date" name="from" value=day(from)/>
        </div>
        <div class="field">
            <label for="f-to">"To"</label>
            <input id="f-to" type="date" name="to" value=day(to)/>
        </div>
    }
}
