//! *Datos de la transacción*: dates, the SHA-256 of the support (computed in the browser from the
//! chosen file, which is never sent), currency, departamento and municipio. Every kind of purchase
//! asks for them the same way.

use domain::{Currency, Departamento, Sha256Hex, TransactionDraft};
use leptos::prelude::*;

use crate::forms::{BoundField, BoundSelect, FormState, chosen_file};

/// One field of the transaction, as the value and setter of a bound input.
macro_rules! field {
    ($transaction:ident . $field:ident) => {
        (
            Signal::derive(move || $transaction.read().$field.clone()),
            Callback::new(move |value: String| $transaction.update(|t| t.$field = value)),
        )
    };
}

#[component]
pub fn TransactionFields(
    transaction: RwSignal<TransactionDraft>,
    state: FormState,
    /// What the support file proves (the seller's verification, the material's origin…).
    #[prop(default = "Soporte de verificación del vendedor")]
    support_label: &'static str,
) -> impl IntoView {
    let on_sha_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                let digest = Sha256Hex::of_bytes(&bytes).to_string();
                transaction.update(|t| t.sha256 = digest);
            }
        });
    };
    let currencies: Vec<(String, String)> = Currency::ALL
        .into_iter()
        .map(|c| (c.code().to_owned(), format!("{} — {}", c.code(), c.label())))
        .collect();
    let departamentos: Vec<(String, String)> = Departamento::all()
        .iter()
        .map(|d| (d.code().to_owned(), d.name().to_owned()))
        .collect();
    let municipios = Signal::derive(move || {
        Departamento::find(&transaction.read().departamento)
            .map(|d| {
                d.municipios()
                    .iter()
                    .map(|m| (m.code().to_owned(), m.name().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let (invoice_date, set_invoice_date) = field!(transaction.invoice_date);
    let (transaction_date, set_transaction_date) = field!(transaction.transaction_date);
    let (sha256, set_sha256) = field!(transaction.sha256);
    let (currency, set_currency) = field!(transaction.currency);
    let (departamento, set_departamento) = field!(transaction.departamento);
    let (municipio, set_municipio) = field!(transaction.municipio);
    let set_departamento = Callback::new(move |value: String| {
        set_departamento.run(value);
        transaction.update(|t| t.municipio.clear());
    });
    view! {
        <h2>"Datos de la transacción"</h2>
        <BoundField label="Fecha de factura" path="transaction.invoice_date" state
            value=invoice_date set=set_invoice_date required=true hint="DD/MM/AAAA" />
        <BoundField label="Fecha de transacción" path="transaction.transaction_date" state
            value=transaction_date set=set_transaction_date required=true hint="DD/MM/AAAA" />
        <div class="campo">
            <label for="campo-soporte">{support_label}</label>
            <input id="campo-soporte" type="file" on:change=on_sha_file />
            <p class="ayuda">"Veta calcula en su navegador el código SHA-256 del archivo; el archivo no se envía."</p>
        </div>
        <BoundField label="Código SHA-256" path="transaction.sha256" state
            value=sha256 set=set_sha256 required=true hint="64 caracteres hexadecimales; se llena al elegir el soporte, o escríbalo." />
        <BoundSelect label="Moneda" path="transaction.currency" state
            options=Signal::stored(currencies) value=currency set=set_currency required=true />
        <BoundSelect label="Departamento" path="transaction.departamento" state
            options=Signal::stored(departamentos) value=departamento set=set_departamento required=true />
        <BoundSelect label="Municipio" path="transaction.municipio" state
            options=municipios value=municipio set=set_municipio required=true />
    }
}
