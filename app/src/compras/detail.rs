//! `/compras/detalle/:id`: a purchase's page — seller, lines, taxes and totals, PTM code, its
//! events (who did what, when) and the movements its posting made.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{CompraDetail, get_detail};
use crate::error::AppError;
use crate::users::AccessMessage;

#[component]
pub fn DetailPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| async move {
            let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
            get_detail(id).await
        },
    );
    view! {
        <Title text="Detalle de la compra" />
        <h1>"Detalle de la compra"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Detail detail /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(detail: CompraDetail) -> impl IntoView {
    let resume = (!detail.status.is_terminal() && detail.ptm_code.is_none())
        .then(|| format!("/compras/retomar/{}", detail.compra_id));
    view! {
        <dl class="ficha">
            <dt>"Tipo de compra"</dt><dd>{detail.seller_type.label()}</dd>
            <dt>"Vendedor"</dt><dd>{detail.seller.clone()}</dd>
            <dt>"Estado"</dt><dd data-estado=detail.status.code()>{detail.status.label()}</dd>
            {detail.channel.map(|channel| view! { <dt>"Canal"</dt><dd>{channel.label()}</dd> })}
            <dt>"Registrada"</dt><dd>{detail.registered.clone()}</dd>
            {detail.confirmed.clone().map(|at| view! { <dt>"Confirmada"</dt><dd>{at}</dd> })}
            {detail.ptm_code.clone().map(|ptm| {
                let shown = ptm.clone();
                view! { <dt>"Código PTM"</dt><dd data-ptm=ptm>{shown}</dd> }
            })}
            <dt>"Fecha de transacción"</dt><dd>{detail.draft.transaction.transaction_date.clone()}</dd>
            <dt>"Código SHA-256 del soporte"</dt><dd class="sha">{detail.draft.transaction.sha256.clone()}</dd>
            {detail.origin_declaration.clone().map(|text| view! { <dt>"Procedencia declarada"</dt><dd>{text}</dd> })}
        </dl>
        {resume.map(|href| view! { <p><A href=href>"Retomar la transacción"</A></p> })}
        <h2>"Minerales"</h2>
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr><th>"Mineral"</th><th>"Código de origen"</th><th>"Cantidad"</th><th>"Unidad"</th><th>"Valor"</th></tr></thead>
                <tbody>
                    {detail.draft.lines.iter().map(|line| view! {
                        <tr>
                            <td>{line.mineral.clone()}</td><td>{line.codigo_origen.clone()}</td>
                            <td>{line.quantity.clone()}</td><td>{line.unit.clone()}</td><td>{line.value.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(!detail.draft.taxes.is_empty()).then(|| view! {
            <h2>"Impuestos y retenciones"</h2>
            <ul>{detail.draft.taxes.iter().map(|tax| view! { <li>{format!("{} {}", tax.kind, tax.value)}</li> }).collect_view()}</ul>
        })}
        {detail.totals.clone().map(|totals| view! {
            <dl class="ficha">
                <dt>"Valor antes de impuestos"</dt><dd>{totals.before_taxes}</dd>
                <dt>"Impuestos"</dt><dd>{totals.taxes}</dd>
                <dt>"Valor incluido impuestos"</dt><dd>{totals.including_taxes}</dd>
                <dt>"Valor a pagar"</dt><dd>{totals.payable}</dd>
            </dl>
        })}
        <h2>"Eventos"</h2>
        <div class="tabla-contenedor">
            <table class="tabla" data-testid="eventos">
                <thead><tr><th>"Fecha"</th><th>"Quién"</th><th>"Qué"</th><th>"Estado"</th></tr></thead>
                <tbody>
                    {detail.events.iter().map(|event| view! {
                        <tr><td>{event.at.clone()}</td><td>{event.actor.clone()}</td><td>{event.action.clone()}</td><td>{event.status.label()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2>"Movimientos del libro"</h2>
        {if detail.postings.is_empty() {
            view! { <p>"La compra aún no movió saldos: se mueven al confirmarla."</p> }.into_any()
        } else {
            view! {
                <div class="tabla-contenedor">
                    <table class="tabla" data-testid="movimientos">
                        <thead><tr><th>"Titular"</th><th>"Código de origen"</th><th>"Mineral"</th><th>"Cantidad"</th><th>"Unidad"</th><th>"Movimiento"</th></tr></thead>
                        <tbody>
                            {detail.postings.iter().map(|row| view! {
                                <tr>
                                    <td>{row.holder.clone()}</td><td>{row.codigo_origen.clone()}</td><td>{row.mineral.clone()}</td>
                                    <td>{row.delta.clone()}</td><td>{row.unit.clone()}</td><td>{row.kind.code()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
