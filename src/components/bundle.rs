//! The page's stylesheet and browser bundle, as the document's head names
//! them (rendered on the server only).
//!
//! Every page works without JavaScript: links are links and forms post.
//! The bundle (a wasm module of about half a megabyte compressed) only adds
//! what is nicer with it: navigating without reloading, forms that answer
//! in place. Compiling it and hydrating the page block a phone's main
//! thread for a second or more, so a page neither preloads nor runs it
//! when it loads. It is fetched and run on the visitor's first sign of
//! intent (the pointer coming over the page, a touch, a key, a focus):
//! until then nothing competes with reading the page. What the visitor has
//! typed or chosen meanwhile is kept, because hydration leaves it alone: a
//! field's value is an attribute of the markup the server sent, and where
//! the app also sets it as a property (a form it updates in place), that
//! property is `components::kept::Kept`, which hydrating does not set.
//!
//! The file names carry the content hashes cargo-leptos writes beside the
//! binary; they are read once (per render while `cargo leptos watch`
//! rebuilds them).

use leptos::prelude::*;
use std::sync::{Arc, OnceLock};

/// The stylesheet's address, and the script that loads the bundle, both
/// naming the hashed files under the site's package path.
struct Bundle {
    css: String,
    script: String,
}

impl Bundle {
    /// As leptos names them: `output_name`, then `.hash` when files are
    /// hashed (else the wasm is `output_name_bg` unless cargo-leptos named
    /// the output).
    fn read(options: &LeptosOptions) -> Bundle {
        let name = options.output_name.to_string();
        let pkg = format!("/{}", options.site_pkg_dir);
        let (mut css, mut js, mut wasm) = (name.clone(), name.clone(), name);
        if options.hash_files {
            let hashes = std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
                .and_then(|path| std::fs::read_to_string(path).ok())
                .unwrap_or_default();
            for (file, hash) in hashes.lines().filter_map(|line| line.split_once(':')) {
                let name = match file.trim() {
                    "css" => &mut css,
                    "js" => &mut js,
                    "wasm" => &mut wasm,
                    _ => continue,
                };
                name.push('.');
                name.push_str(hash.trim());
            }
        } else if option_env!("LEPTOS_OUTPUT_NAME").is_none() {
            wasm.push_str("_bg");
        }
        // The names are ours (hashes of our own files), but they are still
        // written as JSON strings, never pasted into the script as they are.
        let quoted = |path: String| serde_json::to_string(&path).unwrap_or_default();
        let script = format!(
            "({HYDRATE_ON_INTENT})({}, {});",
            quoted(format!("{pkg}/{js}.js")),
            quoted(format!("{pkg}/{wasm}.wasm"))
        );
        Bundle { css: format!("{pkg}/{css}.css"), script }
    }

    fn of(options: &LeptosOptions) -> Arc<Bundle> {
        static ONCE: OnceLock<Arc<Bundle>> = OnceLock::new();
        if std::env::var_os("LEPTOS_WATCH").is_some() {
            return Arc::new(Bundle::read(options));
        }
        ONCE.get_or_init(|| Arc::new(Bundle::read(options))).clone()
    }
}

/// Hydrates the page on the first sign of intent.
const HYDRATE_ON_INTENT: &str = r#"(js, wasm) => {
  const intents = ["pointerover", "pointerdown", "touchstart", "keydown", "focusin"];
  const start = () => {
    intents.forEach((e) => removeEventListener(e, start, true));
    import(js).then(async (bundle) => {
      await bundle.default({ module_or_path: wasm });
      bundle.hydrate();
    });
  };
  intents.forEach((e) => addEventListener(e, start, { capture: true, passive: true }));
}"#;

/// The stylesheet, under the id cargo-leptos's live reload replaces.
#[component]
pub fn Stylesheet(options: LeptosOptions) -> impl IntoView {
    let bundle = Bundle::of(&options);
    view! { <link rel="stylesheet" id="leptos" href=bundle.css.clone()/> }
}

/// The script that loads the bundle and hydrates the page on intent.
#[component]
pub fn HydrateOnIntent(options: LeptosOptions) -> impl IntoView {
    let bundle = Bundle::of(&options);
    let nonce = leptos::nonce::use_nonce();
    view! { <script type="module" nonce=nonce>{bundle.script.clone()}</script> }
}
