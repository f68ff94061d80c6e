//! *Historial de compras*: every purchase of the organisation, of every kind and state, with
//! filters (dates, seller, kind, state, mineral), pages of 50 and a CSV export.

use domain::Mineral;
use domain::compra::SellerType;
use domain::compra_history::HistoryFilterDraft;
use domain::compra_status::CompraStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::web_sys::SubmitEvent;
use leptos_meta::Title;
use leptos_router::components::A;

use super::pager::{PageButtons, PageSummary};
use super::{HistoryList, HistoryRow, export_history, list_history};
use crate::forms::{Field, FormMessage, FormState, FormValues, SelectField};
use crate::reports::{AsOf, DataAsOf};
use crate::users::AccessMessage;

/// The name the exported file is saved under.
const CSV_FILE_NAME: &str = "historial-de-compras.csv";

/// A selector's `(code, label)` options; its empty "Seleccione…" is "any".
fn options(
    choices: impl IntoIterator<Item = (&'static str, &'static str)>,
) -> Signal<Vec<(String, String)>> {
    Signal::stored(
        choices
            .into_iter()
            .map(|(code, label)| (code.to_owned(), label.to_owned()))
            .collect(),
    )
}

/// `/compras/historial`.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let state = FormState::new();
    let applied = RwSignal::new(HistoryFilterDraft::default());
    let page = RwSignal::new(1u32);
    let result = Resource::new(
        move || (applied.get(), page.get()),
        |(filter, page)| list_history(filter, page),
    );
    let download = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);

    let search = move |ev: SubmitEvent| {
        let values = FormValues::take(&ev);
        let draft = HistoryFilterDraft {
            desde: values.get("desde"),
            hasta: values.get("hasta"),
            vendedor: values.get("vendedor"),
            tipo: values.get("tipo"),
            estado: values.get("estado"),
            mineral: values.get("mineral"),
        };
        if state.check(draft.validate()).is_some() {
            applied.set(draft);
            page.set(1);
            download.set(None);
        }
    };
    let export = move |_| {
        let filter = applied.get_untracked();
        exporting.set(true);
        download.set(None);
        spawn_local(async move {
            match export_history(filter).await {
                Ok(csv) => download.set(Some(data_url(&csv))),
                Err(error) => state.show(&error),
            }
            exporting.set(false);
        });
    };

    view! {
        <Title text="Historial de compras" />
        <h1>"Historial de compras"</h1>
        <form class="filtros" on:submit=search novalidate>
            <Field label="Desde" name="desde" state hint="DD/MM/AAAA" />
            <Field label="Hasta" name="hasta" state hint="DD/MM/AAAA" />
            <Field label="Vendedor" name="vendedor" state hint="Razón social o documento, o una parte" />
            <SelectField label="Tipo de compra" name="tipo" state
                options=options(SellerType::ALL.map(|kind| (kind.code(), kind.label()))) />
            <SelectField label="Estado" name="estado" state
                options=options(CompraStatus::ALL.map(|status| (status.code(), status.label()))) />
            <SelectField label="Mineral" name="mineral" state
                options=options(Mineral::all().iter().map(|mineral| (mineral.name(), mineral.name()))) />
            <FormMessage state />
            <p class="acciones"><button type="submit" class="boton">"Buscar"</button></p>
        </form>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match result.await {
                    Ok(AsOf { data_as_of, report: found }) => view! {
                        <DataAsOf data_as_of />
                        <HistoryTable found page />
                    }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Transition>
        <p class="acciones">
            <button type="button" class="boton" on:click=export disabled=move || exporting.get()>
                {move || if exporting.get() { "Exportando…" } else { "Exportar CSV" }}
            </button>
            {move || download.get().map(|href| view! {
                <a class="boton" href=href download=CSV_FILE_NAME>{format!("Descargar {CSV_FILE_NAME}")}</a>
            })}
        </p>
    }
}

/// The CSV as a link the browser saves (the file never leaves the page).
fn data_url(csv: &str) -> String {
    let encoded: String = leptos::web_sys::js_sys::encode_uri_component(csv).into();
    format!("data:text/csv;charset=utf-8,{encoded}")
}

#[component]
fn HistoryTable(found: HistoryList, page: RwSignal<u32>) -> impl IntoView {
    if found.rows.is_empty() {
        return view! { <p>"Ninguna compra cumple los filtros."</p> }.into_any();
    }
    let pages = found.page;
    view! {
        <PageSummary pages />
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr>
                    <th>"Registrada"</th><th>"Vendedor"</th><th>"Tipo"</th><th>"Estado"</th>
                    <th>"Minerales"</th><th>"Código PTM"</th><th></th>
                </tr></thead>
                <tbody>
                    {found.rows.into_iter().map(|row| view! { <HistoryLine row /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <PageButtons pages page />
    }
    .into_any()
}

#[component]
fn HistoryLine(row: HistoryRow) -> impl IntoView {
    view! {
        <tr>
            <td>{row.registered}</td>
            <td>{row.seller}<br /><small>{row.seller_document}</small></td>
            <td>{row.seller_type.label()}</td>
            <td><span class="estado" data-estado=row.status.code()></span>{row.status.label()}</td>
            <td>{row.minerals}</td>
            <td>{row.ptm_code.unwrap_or_default()}</td>
            <td><A href=format!("/compras/detalle/{}", row.compra_id)>"Abrir"</A></td>
        </tr>
    }
}
