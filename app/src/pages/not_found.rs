use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Any address the product does not have; answers with HTTP 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Página no encontrada" />
        <h1>"Página no encontrada"</h1>
        <p>"La dirección que abrió no existe. " <A href="/">"Volver al inicio"</A></p>
    }
}
