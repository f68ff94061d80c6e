//! Veta's user interface, rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).
//!
//! A feature lives in one module: its page components and, beside them, the server functions they
//! call (server-only code behind `#[cfg(feature = "ssr")]`). `layout` is the frame every page shares.

mod layout;
mod operator;
mod pages;
mod sections;

pub use operator::OPERATOR;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The HTML document the server renders around the application.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="es-CO">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" href=stylesheet_href(&options) />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The stylesheet that the site build writes beside the WASM bundle (named by `Leptos.toml`).
fn stylesheet_href(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// The application: every route of the product, inside the shared frame.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Veta") />
        <Router>
            <Routes fallback=pages::NotFound>
                <ParentRoute path=path!("") view=layout::Layout>
                    <Route path=path!("") view=pages::Home />
                    <Route path=path!("/compras/:seccion") view=pages::SectionPage />
                    <Route path=path!("/:seccion") view=pages::SectionPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
