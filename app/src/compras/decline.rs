//! The seller's single-use link to decline a purchase (`/venta/rechazar/:token`, no account
//! needed), from the emails of a purchase: "No reconozco esta compra" (someone may be buying in
//! its name: the Administrador OTTM is alerted) or "Rechazar la venta". Opening the link changes
//! nothing; only the button does (mail scanners open links).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{DeclineView, decline_compra, open_decline};
use crate::forms::{FormMessage, FormState};

/// `/venta/rechazar/:token`.
#[component]
pub fn DeclinePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let view_data = Resource::new(token, open_decline);
    view! {
        <Title text="Rechazar una compra" />
        <h1>"Rechazar una compra"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! { <Decline data token=token() /> }.into_any(),
                    Err(error) => view! { <p class="mensaje-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Decline(data: DeclineView, token: String) -> impl IntoView {
    let state = FormState::new();
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let token = StoredValue::new(token);
    let decline = move |disowned: bool| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match decline_compra(token.get_value(), disowned).await {
                Ok(()) => {
                    state.clear();
                    done.set(true);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let ended = data.status.is_terminal() || data.status.is_posted();
    view! {
        <p>{format!("{} registró en Veta una compra de minerales a {} (factura del {}).", data.buyer, data.seller, data.invoice_date)}</p>
        {(!data.lines.is_empty()).then(|| view! {
            <ol class="lista-simple">{data.lines.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}</ol>
        })}
        {if ended {
            view! { <p class="mensaje-error" role="alert">{format!("Esta compra ya terminó: {}.", data.status.label())}</p> }.into_any()
        } else {
            view! {
                <Show when=move || !done.get() fallback=|| view! {
                    <p class="mensaje-exito" role="status">"La compra quedó rechazada: no se movió nada de sus saldos, y el comprador fue informado."</p>
                }>
                    <p>"Si usted no acordó esta venta, recházela. No se moverá nada de sus saldos."</p>
                    <p class="acciones">
                        <button type="button" class="boton" disabled=move || busy.get()
                            on:click=move |_| decline(true)>"No reconozco esta compra"</button>
                        <button type="button" class="boton boton-claro" disabled=move || busy.get()
                            on:click=move |_| decline(false)>"La reconozco, pero la rechazo"</button>
                    </p>
                </Show>
            }.into_any()
        }}
        <FormMessage state />
    }
}
