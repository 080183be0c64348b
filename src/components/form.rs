//! Pieces every form uses, whatever it is for: a labelled field with the
//! problem the server found in it, the form-level alert, and the notice a
//! redirect leaves behind.

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
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.field_message(field));
    // What was typed comes back, except a password.
    let typed = match kind {
        "password" => value,
        _ => error.typed(field.key()).unwrap_or(value),
    };
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
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
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described
            />
            {move || message().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })}
        </div>
    }
}

/// What went wrong with the whole form, when it is not one field's fault.
#[component]
pub fn FormAlert(error: LastError) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let text = error.to_string();
            view! { <div class="form-alert" role="alert">{text}</div> }
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
