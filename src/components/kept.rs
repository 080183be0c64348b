//! A form control's live state (its `value`, `selected` or `checked`
//! property) that the page sets when it shows other data in place, but
//! never when it hydrates.
//!
//! The server sends the state as attributes (`value="…"`, `selected`),
//! which the browser shows at once. A visitor may type or choose before
//! the app has loaded; a plain `prop:` binding would then set the property
//! back to what the server sent as the page hydrates, and what they chose
//! would be lost. An attribute alone is not enough either once the app
//! runs: a control someone has changed follows its property, not its
//! attribute, so a form updated in place (Back, a removed filter) must
//! set the property.

use leptos::tachys::html::property::IntoProperty;
use leptos::tachys::renderer::{Rndr, types::Element};
use leptos::wasm_bindgen::JsValue;

/// `prop:value=Kept(text)`, `prop:selected=Kept(chosen)`: the property is
/// set when rendered in the browser and when updated, and left as the
/// visitor has it when hydrating markup the server rendered.
#[derive(Clone, Debug)]
pub struct Kept<T>(pub T);

impl<T: Into<JsValue>> IntoProperty for Kept<T> {
    type State = (Element, JsValue);
    type Cloneable = Kept<JsValue>;
    type CloneableOwned = Kept<JsValue>;

    fn hydrate<const FROM_SERVER: bool>(self, el: &Element, key: &str) -> Self::State {
        let value = self.0.into();
        // Markup from a template (not from the server) has no state yet.
        if !FROM_SERVER {
            Rndr::set_property_or_value(el, key, &value);
        }
        (el.clone(), value)
    }

    fn build(self, el: &Element, key: &str) -> Self::State {
        let value = self.0.into();
        Rndr::set_property_or_value(el, key, &value);
        (el.clone(), value)
    }

    fn rebuild(self, state: &mut Self::State, key: &str) {
        let (el, previous) = state;
        let value = self.0.into();
        Rndr::set_property_or_value(el, key, &value);
        *previous = value;
    }

    fn into_cloneable(self) -> Self::Cloneable {
        Kept(self.0.into())
    }

    fn into_cloneable_owned(self) -> Self::CloneableOwned {
        Kept(self.0.into())
    }
}
