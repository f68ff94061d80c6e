//! Compras → *Registro de compra de minerales sin identificación de origen* (the buyer's form,
//! registered at once: the seller need not be on the platform), and the list every such purchase
//! appears in for the *Auditor ANM* (`/auditoria/compras-sin-origen`). The rules are
//! `domain::sin_origen`'s.

use domain::compra::SellerType;
use domain::{Closings, CompraDraft, Currency, SellerDraft, TransactionDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::transaction_fields::TransactionFields;
use super::valores::{SaleValuesPanel, TypedLinesTable, Typing};
use super::{list_sin_origen, register_sin_origen};
use crate::forms::{
    BoundField, BoundSelect, FieldMessages, FormMessage, FormState, browser_today, new_form_id,
};
use crate::pages::PurchaseRoleGate;
use crate::reports::{AsOf, DataAsOf};
use crate::sections;
use crate::users::AccessMessage;

#[component]
pub fn SinOrigenPage() -> impl IntoView {
    view! { <PurchaseRoleGate><SinOrigenForm /></PurchaseRoleGate> }
}

#[component]
fn SinOrigenForm() -> impl IntoView {
    let seller_type = SellerType::SinIdentificacionOrigen;
    let title = sections::COMPRAS[0].title;
    let state = FormState::new();
    let typing = Typing::default();
    let seller = RwSignal::new(SellerDraft::default());
    let transaction = RwSignal::new(TransactionDraft {
        currency: Currency::Cop.code().to_owned(),
        ..TransactionDraft::default()
    });
    let lines = RwSignal::new(Vec::new());
    let taxes = RwSignal::new(Vec::new());
    let declaration = RwSignal::new(String::new());
    let form_id = RwSignal::new(None::<Uuid>);
    let registered = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let draft = move || CompraDraft {
        seller_type: seller_type.code().to_owned(),
        seller: seller.get_untracked(),
        transaction: transaction.get_untracked(),
        lines: lines.get_untracked(),
        taxes: taxes.get_untracked(),
    };
    let on_register = move |_| {
        let typed = draft();
        let mut checked = typed
            .validate(browser_today(), &Closings::none())
            .err()
            .unwrap_or_default();
        if let Err(error) = domain::sin_origen::check_declaration(&declaration.get_untracked()) {
            checked.push("declaration", "Declaración de procedencia", &error);
        }
        if state
            .check(if checked.is_empty() {
                Ok(())
            } else {
                Err(checked)
            })
            .is_none()
        {
            return;
        }
        let id = form_id.get_untracked().or_else(new_form_id);
        let Some(id) = id else {
            state.message.set(Some(
                "Su navegador no ofrece un generador aleatorio seguro.".to_owned(),
            ));
            return;
        };
        form_id.set(Some(id));
        busy.set(true);
        let typed_declaration = declaration.get_untracked();
        leptos::task::spawn_local(async move {
            match register_sin_origen(id, typed, typed_declaration).await {
                Ok(done) => {
                    state.clear();
                    registered.set(Some(done.ptm_code));
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let document_types = super::document_type_options(seller_type);
    let minerals: Vec<domain::Mineral> = domain::Mineral::all()
        .iter()
        .copied()
        .filter(|m| m.unit().dimension() == domain::Dimension::Mass)
        .collect();
    let currency = Signal::derive(move || transaction.read().currency.clone());
    let editable = Signal::derive(move || registered.get().is_none());
    view! {
        <Title text=title />
        <h1>{title}</h1>
        {move || registered.get().map(|ptm| view! {
            <p class="mensaje-exito" role="status" data-ptm=ptm.clone()>
                {format!("La transacción {ptm} ha sido registrada de manera exitosa. El mineral quedó en un saldo aparte, marcado «sin origen identificado».")}
            </p>
            <p><A href="/saldos">"Ver mis saldos"</A></p>
        })}
        <form class="formulario formulario-ancho" on:submit=|ev| ev.prevent_default()
            style:display=move || if registered.get().is_some() { "none" } else { "" }>
            <fieldset disabled=move || busy.get()>
                <p class="ayuda">
                    "Para material cuyo origen no se puede identificar (joyas en desuso, chatarra, \
                     inventario anterior a la plataforma). El vendedor no necesita estar registrado en \
                     Veta. Límite mensual por comprador."
                </p>
                <h2>"Datos del vendedor"</h2>
                <BoundSelect label="Tipo de documento" path="seller.document_type" state
                    options=Signal::stored(document_types)
                    value=Signal::derive(move || seller.read().document_type.clone())
                    set=Callback::new(move |v| seller.update(|s| s.document_type = v)) required=true />
                <BoundField label="Número de documento" path="seller.document_number" state
                    value=Signal::derive(move || seller.read().document_number.clone())
                    set=Callback::new(move |v| seller.update(|s| s.document_number = v)) required=true />
                <BoundField label="Nombre o razón social" path="seller.razon_social" state
                    value=Signal::derive(move || seller.read().razon_social.clone())
                    set=Callback::new(move |v| seller.update(|s| s.razon_social = v)) required=true />
                <TransactionFields transaction state support_label="Evidencia de la procedencia del material" />
                <div class="campo">
                    <label for="campo-declaration">"Declaración de procedencia"</label>
                    <textarea id="campo-declaration" rows="4" maxlength="2000"
                        prop:value=move || declaration.get()
                        on:input=move |ev| declaration.set(event_target_value(&ev))></textarea>
                    <p class="ayuda">"De dónde viene el material y por qué no tiene código de origen."</p>
                    <FieldMessages state path="declaration" />
                </div>
                <h2>"Registro de minerales y cantidades en la transacción"</h2>
                <TypedLinesTable lines state typing minerals editable />
                <SaleValuesPanel currency lines taxes state typing editable />
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" on:click=on_register>"Registrar compra"</button>
                </p>
            </fieldset>
        </form>
    }
}

/// `/auditoria/compras-sin-origen`: every purchase without identified origin, of every
/// organisation.
#[component]
pub fn SinOrigenAuditPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_sin_origen());
    view! {
        <Title text="Compras sin identificación de origen" />
        <h1>"Compras sin identificación de origen"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(AsOf { data_as_of, report: rows }) if rows.is_empty() => view! {
                        <DataAsOf data_as_of />
                        <p>"No hay compras sin identificación de origen."</p>
                    }.into_any(),
                    Ok(AsOf { data_as_of, report: rows }) => view! {
                        <DataAsOf data_as_of />
                        <div class="tabla-contenedor">
                            <table class="tabla" data-testid="compras-sin-origen">
                                <thead><tr>
                                    <th>"Registro"</th><th>"Comprador"</th><th>"Vendedor"</th>
                                    <th>"Minerales"</th><th>"Gramos"</th><th>"Procedencia declarada"</th>
                                    <th>"Código PTM"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{row.registered}</td><td>{row.buyer}</td><td>{row.seller}</td>
                                            <td>{row.lines.join(" · ")}</td><td>{row.grams}</td>
                                            <td>{row.declaration} <span class="ayuda sha">{format!(" SHA-256 {}", row.sha256)}</span></td>
                                            <td>{row.ptm_code}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
