//! The pages of a list of purchases: where the list stands, *Anterior* and *Siguiente*.

use leptos::prelude::*;

use super::Pages;

/// "N compra(s) · página X de Y" over the table.
#[component]
pub fn PageSummary(pages: Pages) -> impl IntoView {
    view! {
        <p>{format!("{} compra(s) · página {} de {}", pages.total, pages.current, pages.count.max(1))}</p>
    }
}

/// *Anterior* and *Siguiente* under the table; they set `page`.
#[component]
pub fn PageButtons(pages: Pages, page: RwSignal<u32>) -> impl IntoView {
    let current = pages.current;
    (pages.count > 1).then(|| {
        view! {
            <p class="acciones">
                <button type="button" class="boton" disabled=current <= 1
                    on:click=move |_| page.set(current - 1)>"Anterior"</button>
                <button type="button" class="boton" disabled=current >= pages.count
                    on:click=move |_| page.set(current + 1)>"Siguiente"</button>
            </p>
        }
    })
}
