//! A passkey ceremony in the browser: the server's options (WebAuthn's
//! JSON form) go through `PublicKeyCredential.parse…OptionsFromJSON` to
//! `navigator.credentials`, and the authenticator's answer comes back as
//! its own `toJSON()`, which the server reads. Called through js-sys, so
//! no script but the app's own runs (the pages' policy allows no other).
//! On the server, and without JavaScript, there is no ceremony: the pages
//! offer passkeys only once hydrated.

/// Why a ceremony gave no answer, as the page tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The person cancelled, or let it time out.
    Cancelled,
    /// This authenticator holds a passkey of the account already.
    AlreadyRegistered,
    /// The browser refused this site's relying party: it is open at
    /// another address than the one passkeys work at.
    WrongAddress,
    /// The browser has no passkeys (or not their JSON forms).
    Unsupported,
    Other(String),
}

impl Failure {
    pub fn message(&self, origin: Option<&str>) -> String {
        match self {
            Failure::Cancelled => "The passkey request was cancelled or timed out. Try again when ready.".into(),
            Failure::AlreadyRegistered => "This device already holds a passkey for your account.".into(),
            Failure::WrongAddress => match origin {
                Some(origin) => format!("Passkeys work when Lyceum is opened at {origin}."),
                None => "This browser refused a passkey for this address.".into(),
            },
            Failure::Unsupported => "This browser cannot use passkeys. Use an authenticator app instead.".into(),
            Failure::Other(name) => format!("The passkey request failed ({name}). Try again, or use another way."),
        }
    }
}

/// Registers a new credential with `options` (`navigator.credentials.create`).
pub async fn create(options: &str) -> Result<String, Failure> {
    imp::ceremony(options, "parseCreationOptionsFromJSON", "create").await
}

/// Signs the challenge in `options` (`navigator.credentials.get`).
pub async fn get(options: &str) -> Result<String, Failure> {
    imp::ceremony(options, "parseRequestOptionsFromJSON", "get").await
}

/// Whether this browser can take part (only ever true once hydrated).
pub fn supported() -> bool {
    imp::supported()
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::Failure;
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn field(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
        Reflect::get(target, &JsValue::from_str(name))
    }

    fn function(target: &JsValue, name: &str) -> Result<Function, JsValue> {
        field(target, name)?.dyn_into::<Function>()
    }

    pub fn supported() -> bool {
        field(&js_sys::global(), "PublicKeyCredential")
            .and_then(|class| function(&class, "parseCreationOptionsFromJSON"))
            .is_ok()
    }

    pub async fn ceremony(options: &str, parse: &str, call: &str) -> Result<String, Failure> {
        if !supported() {
            return Err(Failure::Unsupported);
        }
        run(options, parse, call).await.map_err(|error| {
            let name = field(&error, "name").ok().and_then(|name| name.as_string()).unwrap_or_default();
            match name.as_str() {
                "NotAllowedError" | "AbortError" => Failure::Cancelled,
                "InvalidStateError" => Failure::AlreadyRegistered,
                "SecurityError" => Failure::WrongAddress,
                "NotSupportedError" => Failure::Unsupported,
                "" => Failure::Other("unknown".into()),
                other => Failure::Other(other.chars().filter(char::is_ascii_alphanumeric).take(40).collect()),
            }
        })
    }

    async fn run(options: &str, parse: &str, call: &str) -> Result<String, JsValue> {
        let global = js_sys::global();
        let class = field(&global, "PublicKeyCredential")?;
        let public_key = function(&class, parse)?.call1(&class, &field(&JSON::parse(options)?, "publicKey")?)?;
        let request = Object::new();
        Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key)?;
        let container = field(&field(&global, "navigator")?, "credentials")?;
        let promise: Promise = function(&container, call)?.call1(&container, &request)?.dyn_into()?;
        let credential = JsFuture::from(promise).await?;
        let json = function(&credential, "toJSON")?.call0(&credential)?;
        Ok(String::from(JSON::stringify(&json)?))
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::Failure;

    pub fn supported() -> bool {
        false
    }

    pub async fn ceremony(_options: &str, _parse: &str, _call: &str) -> Result<String, Failure> {
        Err(Failure::Unsupported)
    }
}
