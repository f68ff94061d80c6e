//! The browser's entry point. It lives in its own `cdylib` crate so that the server build never
//! links `app` twice (as `rlib` and `cdylib`) and never sees the `hydrate` feature.

use leptos::prelude::document;

/// Called by the hydration script that the server's HTML loads; attaches the reactive system to
/// the server-rendered page.
///
/// Hydration is asynchronous (what `leptos::mount::hydrate_lazy` does): a page behind a lazy route
/// hydrates once its WASM chunk has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // Lets browser tests (and curious developers) tell a hydrated page from a server-rendered
        // one: set once the whole page, lazy chunks included, is live.
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
}
