//! *Transacciones en curso*: the buyer's unfinished purchases with their counterpart and status
//! (the legend of seed 000), *Retomar* and *Actualizar*; and the bell's count in the header.

use domain::compra_status::CompraStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use super::pager::{PageButtons, PageSummary};
use super::{EnCursoList, count_en_curso, list_en_curso};
use crate::users::AccessMessage;

/// The statuses of the legend, in the seed's order, then those of purchases that ended without
/// confirmation (shown for a few days).
const LEGEND: [CompraStatus; 8] = [
    CompraStatus::GestionadaPorVendedor,
    CompraStatus::PendientePorConfirmar,
    CompraStatus::EnGestionComprador,
    CompraStatus::PendienteGestionVendedor,
    CompraStatus::ReversionPendientePorConfirmar,
    CompraStatus::Anulada,
    CompraStatus::RechazadaPorVendedor,
    CompraStatus::Vencida,
];

/// `/transacciones-en-curso`.
#[component]
pub fn EnCursoPage() -> impl IntoView {
    let page = RwSignal::new(1u32);
    let rows = Resource::new(move || page.get(), list_en_curso);
    view! {
        <Title text="Transacciones en curso" />
        <h1>"Transacciones en curso"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(list) => view! { <EnCursoTable list page /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
        <ul class="leyenda" aria-label="Leyenda">
            {LEGEND.iter().map(|status| view! {
                <li><span class="estado" data-estado=status.code()></span>{status.label()}</li>
            }).collect_view()}
        </ul>
        <p class="acciones">
            <button type="button" class="boton" on:click=move |_| rows.refetch()>"Actualizar"</button>
        </p>
    }
}

#[component]
fn EnCursoTable(list: EnCursoList, page: RwSignal<u32>) -> impl IntoView {
    if list.rows.is_empty() {
        return view! { <p>"No tiene transacciones en curso."</p> }.into_any();
    }
    let pages = list.page;
    view! {
        <PageSummary pages />
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr>
                    <th>"Vendedor"</th><th>"Tipo"</th><th>"Estado"</th><th>"Última actividad"</th><th></th>
                </tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|row| view! {
                        <tr>
                            <td>{row.counterpart}</td>
                            <td>{row.seller_type.label()}</td>
                            <td><span class="estado" data-estado=row.status.code()></span>{row.status.label()}</td>
                            <td>{row.updated}</td>
                            <td>{if row.status == CompraStatus::ReversionPendientePorConfirmar {
                                view! { <A href=crate::sections::AFTER_COMPRAS[0].path>"Confirmar reversión"</A> }.into_any()
                            } else {
                                view! { <A href=format!("/compras/retomar/{}", row.compra_id)>"Retomar"</A> }.into_any()
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <PageButtons pages page />
    }
    .into_any()
}

/// The bell's count, read again on every navigation.
#[component]
pub fn EnCursoBell() -> impl IntoView {
    let location = use_location();
    let count = Resource::new(move || location.pathname.get(), |_| count_en_curso());
    view! {
        <Transition>
            {move || Suspend::new(async move {
                count.await.ok().flatten().filter(|n| *n > 0).map(|n| view! {
                    <span class="campana-cantidad" aria-label=format!("{n} en curso")>{n}</span>
                })
            })}
        </Transition>
    }
}
