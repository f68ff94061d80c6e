//! The seller's *editor de códigos de origen y saldos para la venta*, opened from the emailed link
//! (`/venta/:token`, no account needed): its available origin codes, *Venta* per code, rows
//! removed with *Eliminar*, "Subir datos", the value of each line and the taxes, "Enviar".

use domain::{Allocation, Balances, EditorRow, LineDraft, TaxDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::valores::{LinesTable, SaleValuesPanel, Typing};
use super::{
    SaldoDisponible, SellerEditor, decline_compra, open_seller_editor, submit_seller_detail,
};
use crate::forms::{FormMessage, FormState, messages_for};

/// `/venta/:token`.
#[component]
pub fn SellerEditorPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let editor = Resource::new(token, open_seller_editor);
    view! {
        <Title text="Editor de códigos de origen y saldos para la venta" />
        <h1>"Editor de códigos de origen y saldos para la venta"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(editor) => view! { <Editor editor token=token() /> }.into_any(),
                    Err(error) => view! { <p class="mensaje-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Editor(editor: SellerEditor, token: String) -> impl IntoView {
    let state = FormState::new();
    let rows = RwSignal::new(editor.rows.clone());
    let ventas = RwSignal::new(vec![String::new(); editor.rows.len()]);
    let lines = RwSignal::new(Vec::<LineDraft>::new());
    let taxes = RwSignal::new(Vec::<TaxDraft>::new());
    let typing = Typing::default();
    let uploaded = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let declining = RwSignal::new(false);
    let declined = RwSignal::new(false);
    let currency = editor.transaction.currency.clone();
    let buyer = StoredValue::new(editor.buyer.clone());

    // "Subir datos": the rows with a quantity become the lines (checked against what is listed).
    let on_upload = move |_| {
        let listed = rows.get_untracked();
        let typed = ventas.get_untracked();
        let chosen: Vec<(SaldoDisponible, String)> = listed
            .into_iter()
            .zip(typed)
            .filter(|(_, venta)| !venta.trim().is_empty())
            .collect();
        let editor_rows: Vec<EditorRow> = chosen
            .iter()
            .map(|(row, venta)| EditorRow {
                codigo_origen: row.codigo_origen.clone(),
                mineral: row.mineral.name().to_owned(),
                venta: venta.clone(),
                unit: row.unit.code().to_owned(),
            })
            .collect();
        let available = Balances::from_entries(chosen.iter().filter_map(|(row, _)| {
            Some((
                domain::BalanceKey {
                    codigo_origen: domain::CodigoOrigen::parse(&row.codigo_origen).ok()?,
                    mineral: row.mineral,
                    unit: row.unit,
                },
                row.disponible,
            ))
        }));
        let Ok(available) = available else { return };
        if state
            .check(Allocation::from_editor(&editor_rows, &available))
            .is_none()
        {
            return;
        }
        lines.set(
            editor_rows
                .into_iter()
                .map(|row| LineDraft {
                    mineral: row.mineral,
                    quantity: row.venta,
                    unit: row.unit,
                    value: String::new(),
                    codigo_origen: row.codigo_origen,
                })
                .collect(),
        );
        uploaded.set(true);
    };
    let token = StoredValue::new(token);
    let on_send = move |_| {
        confirming.set(false);
        busy.set(true);
        leptos::task::spawn_local(async move {
            match submit_seller_detail(
                token.get_value(),
                lines.get_untracked(),
                taxes.get_untracked(),
            )
            .await
            {
                Ok(()) => {
                    state.clear();
                    sent.set(true);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };

    let on_decline = move |disowned: bool| {
        declining.set(false);
        busy.set(true);
        leptos::task::spawn_local(async move {
            match decline_compra(token.get_value(), disowned).await {
                Ok(()) => {
                    state.clear();
                    declined.set(true);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };

    let summary = StoredValue::new(editor);
    let currency = StoredValue::new(currency);
    let editor_view = view! {
        <Show when=move || !sent.get() fallback=move || view! {
            <p class="mensaje-exito" role="status">
                {format!("Sus datos fueron enviados a {}. Cuando el comprador envíe la transacción, usted recibirá el código de validación por correo y SMS.", buyer.get_value())}
            </p>
        }>
        {move || summary.with_value(|editor| {
            let t = editor.transaction.clone();
            view! {
        <p>{format!("{} registra una compra a {}.", editor.buyer, editor.seller)}</p>
        <dl class="resumen">
            <dt>"Fecha de factura"</dt><dd>{t.invoice_date.clone()}</dd>
            <dt>"Fecha de transacción"</dt><dd>{t.transaction_date.clone()}</dd>
            <dt>"Moneda"</dt><dd>{t.currency.clone()}</dd>
            <dt>"Departamento"</dt><dd>{domain::Departamento::find(&t.departamento).map(|d| d.name()).unwrap_or_default()}</dd>
            <dt>"Municipio"</dt><dd>{domain::Municipio::by_code(&t.municipio).map(|m| m.name()).unwrap_or_default()}</dd>
        </dl>
            }
        })}
        <div class="tabla-contenedor">
            <table class="tabla" aria-label="Códigos de origen disponibles">
                <thead><tr>
                    <th>"Cód de Origen"</th><th>"Mineral"</th><th>"Disponible"</th>
                    <th>"Venta"</th><th>"Unidades"</th><th>"Eliminar"</th>
                </tr></thead>
                <tbody>
                    {move || rows.get().into_iter().enumerate().map(|(index, row)| {
                        let errors = move || {
                            ["codigo_origen", "venta"].iter()
                                .flat_map(|f| messages_for(state, &format!("allocation[{index}].{f}")))
                                .collect::<Vec<_>>()
                        };
                        view! {
                            <tr>
                                <td>{row.codigo_origen.clone()}</td>
                                <td>{row.mineral.name()}</td>
                                <td>{row.disponible.to_string()}</td>
                                <td>
                                    <input type="text" inputmode="decimal"
                                        aria-label=format!("Venta {}", row.codigo_origen)
                                        prop:value=move || ventas.read().get(index).cloned().unwrap_or_default()
                                        on:input=move |ev| {
                                            let typed = event_target_value(&ev);
                                            ventas.update(|v| v[index] = typed);
                                        } />
                                    <ul class="errores-campo">
                                        {move || errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                                    </ul>
                                </td>
                                <td>{row.unit.code()}</td>
                                <td>
                                    <button type="button" class="boton boton-claro"
                                        aria-label=format!("Eliminar {}", row.codigo_origen)
                                        on:click=move |_| {
                                            rows.update(|r| { r.remove(index); });
                                            ventas.update(|v| { v.remove(index); });
                                        }>
                                        "Eliminar"
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="acciones">
            <button type="button" class="boton" on:click=on_upload>"Subir datos"</button>
        </p>
        <Show when=move || uploaded.get()>
            <h2>"Registro de minerales y cantidades en la transacción"</h2>
            <LinesTable lines state typing editable_value=Signal::stored(true) />
            <SaleValuesPanel currency=Signal::derive(move || currency.get_value()) lines taxes state typing editable=Signal::stored(true) />
            <p class="acciones">
                <button type="button" class="boton" disabled=move || busy.get()
                    on:click=move |_| confirming.set(true)>"Enviar"</button>
            </p>
        </Show>
        {move || confirming.get().then(|| view! {
            <div class="dialogo" role="alertdialog" aria-modal="true" aria-labelledby="dialogo-enviar">
                <p id="dialogo-enviar">"¿Está seguro de que desea enviar estos códigos de origen, cantidades y valores al comprador?"</p>
                <button type="button" class="boton" on:click=on_send>"Confirmar"</button>
                <button type="button" class="boton boton-claro" on:click=move |_| confirming.set(false)>"Cerrar"</button>
            </div>
        })}
        </Show>
    }
    .into_any();
    view! {
        {move || declined.get().then(|| view! {
            <p class="mensaje-exito" role="status">"La compra quedó rechazada: no se movió nada de sus saldos, y el comprador fue informado."</p>
        })}
        <div style:display=move || if declined.get() { "none" } else { "" }>
        {editor_view}
        <p class="acciones">
            <button type="button" class="boton boton-claro" disabled=move || busy.get()
                on:click=move |_| declining.set(true)>"Rechazar esta venta"</button>
        </p>
        {move || declining.get().then(|| view! {
            <div class="dialogo" role="alertdialog" aria-modal="true" aria-labelledby="dialogo-rechazar">
                <p id="dialogo-rechazar">"¿Rechaza esta compra? No se moverá nada de sus saldos y el comprador será informado."</p>
                <button type="button" class="boton" on:click=move |_| on_decline(true)>"No reconozco esta compra"</button>
                <button type="button" class="boton" on:click=move |_| on_decline(false)>"La reconozco, pero la rechazo"</button>
                <button type="button" class="boton boton-claro" on:click=move |_| declining.set(false)>"Cerrar"</button>
            </div>
        })}
        <FormMessage state />
        </div>
    }
}
