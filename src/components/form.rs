//! Pieces every form uses, whatever it is for: a labelled field with the
//! problem the server found in it, the form-level alert, and the notice a
//! redirect leaves behind.

use crate::error::AppError;
use crate::model::form::{Field, Notice};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The error of a form's last submission, if it failed.
pub type LastError = Signal<Option<AppError>>;

/// A server action's failure as a signal, for the fields to read.
pub fn last_error<S>(action: ServerAction<S>) -> LastError
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
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
                value=value
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

/// The message a redirect asked for with `?notice=...`.
#[component]
pub fn NoticeBanner() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.read().get("notice").and_then(|code| Notice::parse(&code)).map(|notice| {
            view! { <div class="form-notice" role="status">{notice.message()}</div> }
        })
    }
}
