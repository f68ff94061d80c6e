//! The frame of every page: header, the left panel of the seed guides, content, footer.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

use crate::OPERATOR;
use crate::sections::{AFTER_COMPRAS, COMPRAS, REENVIAR_SALDOS, SALDOS_INICIALES, Section};

/// Header, left panel, the routed page and the footer.
#[component]
pub fn Layout() -> impl IntoView {
    // On a phone the panel is folded behind the "Menú" button; it folds again after navigating.
    let panel_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        panel_open.set(false);
    });

    view! {
        <header class="encabezado">
            <button
                class="boton-menu"
                aria-controls="panel-izquierdo"
                aria-expanded=move || panel_open.get().to_string()
                on:click=move |_| panel_open.update(|open| *open = !*open)
            >
                "Menú"
            </button>
            <A href="/" attr:class="marca">
                <span class="marca-nombre">{OPERATOR.product}</span>
                <span class="marca-rol">{OPERATOR.role}</span>
            </A>
            <A href="/transacciones-en-curso" attr:class="campana" attr:title="Transacciones en curso">
                <BellIcon />
                <span class="campana-texto">"Transacciones en curso"</span>
            </A>
        </header>
        <div class="cuerpo">
            <nav
                id="panel-izquierdo"
                class="panel"
                class:abierto=move || panel_open.get()
                aria-label="Menú principal"
            >
                <SidePanel />
            </nav>
            <main class="contenido">
                <Outlet />
            </main>
        </div>
        <footer class="pie">
            <p class="pie-operador">{OPERATOR.product} " · " {OPERATOR.role}</p>
            <ul class="pie-contacto">
                {OPERATOR.contact_lines.iter().map(|line| view! { <li>{*line}</li> }).collect_view()}
            </ul>
        </footer>
    }
}

/// The left panel: the entries of seed 000, with "Compras" unfolding its four kinds of purchase.
#[component]
fn SidePanel() -> impl IntoView {
    let location = use_location();
    // Open on a purchase page, so the current entry is visible; the user folds it at will.
    let compras_open = RwSignal::new(location.pathname.get_untracked().starts_with("/compras/"));

    view! {
        <ul class="menu">
            <li>
                <A href="/" exact=true>"Inicio"</A>
            </li>
            <li>
                <SectionLink section=SALDOS_INICIALES />
            </li>
            <li>
                <button
                    class="menu-grupo"
                    aria-expanded=move || compras_open.get().to_string()
                    aria-controls="menu-compras"
                    on:click=move |_| compras_open.update(|open| *open = !*open)
                >
                    "Compras"
                    <span class="flecha" aria-hidden="true">"▾"</span>
                </button>
                <ul id="menu-compras" class="submenu" hidden=move || !compras_open.get()>
                    {COMPRAS
                        .into_iter()
                        .map(|section| view! { <li><SectionLink section /></li> })
                        .collect_view()}
                </ul>
            </li>
            {AFTER_COMPRAS
                .into_iter()
                .map(|section| view! { <li><SectionLink section /></li> })
                .collect_view()}
        </ul>
        <A href=REENVIAR_SALDOS.path attr:class="boton boton-secundario reenviar">
            {REENVIAR_SALDOS.title}
        </A>
    }
}

#[component]
fn SectionLink(section: Section) -> impl IntoView {
    view! { <A href=section.path>{section.title}</A> }
}

/// A bell, drawn inline so that it needs no extra request.
#[component]
fn BellIcon() -> impl IntoView {
    view! {
        <svg class="icono" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path
                fill="currentColor"
                d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
            />
        </svg>
    }
}
