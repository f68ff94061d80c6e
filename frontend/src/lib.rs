//! The browser's entry point. It lives in its own `cdylib` crate so that the server build never
//! links `app` twice (as `rlib` and `cdylib`) and never sees the `hydrate` feature.

use leptos::prelude::document;

/// Called by the hydration script that the server's HTML loads; attaches the reactive system to
/// the server-rendered page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets browser tests (and curious developers) tell a hydrated page from a server-rendered one.
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
