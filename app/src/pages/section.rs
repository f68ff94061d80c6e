use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::NotFound;
use crate::sections;

/// A section of the menu whose feature is not built yet: it says so plainly instead of showing
/// made-up data.
#[component]
pub fn SectionPage() -> impl IntoView {
    let location = use_location();
    move || {
        match sections::find(&location.pathname.get()) {
        Some(section) => view! {
            <Title text=section.title />
            <h1>{section.title}</h1>
            <p class="aviso" role="status">
                "Esta funcionalidad aún no está disponible. Estamos trabajando para habilitarla pronto."
            </p>
        }
        .into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
    }
}
