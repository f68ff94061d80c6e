//! *Cierres* (`/cierres`): an organisation closes its months in order; each closing freezes the
//! month's balances per origin code with a digest chained to the ledger, and nothing dated in a
//! closed month is posted afterwards. The month's report (balances at open, in, out, at close) is a
//! page, a CSV and a PDF. The *Auditor ANM* sees who closed what (`/auditoria/cierres`). Rules:
//! `domain::closing`.

#[cfg(feature = "ssr")]
mod pdf;
#[cfg(feature = "ssr")]
pub mod ssr;

use domain::closing::{ClosingReport, to_csv};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{FormMessage, FormState};
use crate::reports::{AsOf, DataAsOf};
use crate::sections;
use crate::users::AccessMessage;

/// An organisation's closings and the month it may close next (`aaaa-mm`, label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosingsView {
    pub closed: Vec<ClosedMonth>,
    pub next: Option<(String, String)>,
}

/// One closed month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedMonth {
    /// `aaaa-mm`.
    pub month: String,
    /// `octubre de 2026`.
    pub label: String,
    pub closed_at: String,
    /// The snapshot's SHA-256, hex.
    pub digest: String,
    /// The chain's link it is bound to.
    pub chain_position: i64,
    /// The digest still matches the stored report and chain head.
    pub intact: bool,
}

/// A month's report, frozen (`closed`) or as the ledger gives it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthReport {
    pub report: ClosingReport,
    pub closed: bool,
    pub organization: String,
}

/// One organisation, for the *Auditor ANM*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub organization: String,
    pub document: String,
    /// The last closed month's label.
    pub closed_through: String,
    pub months: i64,
    pub last_closed_at: String,
}

#[cfg(feature = "ssr")]
fn month_of(text: &str) -> Result<domain::closing::Month, AppError> {
    domain::closing::Month::parse(text)
        .map_err(|error| AppError::Invalid(domain::ValidationErrors::one("month", "Mes", &error)))
}

#[server(endpoint = "cierres/estado")]
pub async fn get_closings() -> Result<ClosingsView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = crate::saldos::ssr::organization_user().await?;
            ssr::view(&pool, organization_id).await
        }
        .await,
    )
}

/// "Cerrar mes": the organisation's administrator only.
#[server(endpoint = "cierres/cerrar")]
pub async fn close_month(month: String) -> Result<ClosedMonth, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::saldos::ssr::organization_user().await?;
            if user.role != domain::Role::Administrador {
                return Err(AppError::Forbidden);
            }
            ssr::close(&pool, &user, organization_id, month_of(&month)?).await
        }
        .await,
    )
}

#[server(endpoint = "cierres/informe")]
pub async fn get_month_report(month: String) -> Result<MonthReport, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::saldos::ssr::organization_user().await?;
            let (report, closed) = ssr::report(&pool, organization_id, month_of(&month)?).await?;
            let organization = user
                .organization
                .map(|o| o.razon_social)
                .unwrap_or_default();
            Ok(MonthReport {
                report,
                closed,
                organization,
            })
        }
        .await,
    )
}

/// The report as a PDF, base64 (the browser saves it from a `data:` link).
#[server(endpoint = "cierres/informe/pdf")]
pub async fn month_report_pdf(month: String) -> Result<String, AppError> {
    use base64::Engine;
    let report = get_month_report(month).await?;
    Ok(base64::engine::general_purpose::STANDARD.encode(pdf::render(&report)))
}

#[server(endpoint = "cierres/auditoria")]
pub async fn closings_audit() -> Result<AsOf<Vec<AuditRow>>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, read_pool, sessions};
            sessions::require_platform(&pool()?).await?;
            let read = read_pool()?;
            crate::reports::ssr::read_as_of(&read, ssr::audit(&read)).await
        }
        .await,
    )
}

/// `/cierres`.
#[component]
pub fn ClosingsPage() -> impl IntoView {
    let title = sections::AFTER_COMPRAS[3].title;
    let state = FormState::new();
    let version = RwSignal::new(0u32);
    let view_data = Resource::new(move || version.get(), |_| get_closings());
    let selected = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let close = move |month: String| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match close_month(month.clone()).await {
                Ok(_) => {
                    state.clear();
                    selected.set(Some(month));
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <p class="ayuda">
            "Al cerrar un mes, Veta congela los saldos de su organización por código de origen con una \
             huella ligada a la cadena del libro de saldos. Después no se registra ni se revierte nada \
             fechado en ese mes. Los meses se cierran en orden y un cierre no se deshace."
        </p>
        <FormMessage state />
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(data) => view! {
                        {data.next.map(|(month, label)| view! {
                            <p class="acciones">
                                <button type="button" class="boton" disabled=move || busy.get()
                                    on:click=move |_| close(month.clone())>{format!("Cerrar {label}")}</button>
                            </p>
                        })}
                        {if data.closed.is_empty() {
                            view! { <p>"Su organización no ha cerrado ningún mes."</p> }.into_any()
                        } else {
                            view! {
                                <div class="tabla-contenedor">
                                    <table class="tabla" data-testid="cierres">
                                        <thead><tr><th>"Mes"</th><th>"Cerrado el"</th><th>"Huella SHA-256"</th><th></th></tr></thead>
                                        <tbody>
                                            {data.closed.into_iter().map(|closed| {
                                                let month = closed.month.clone();
                                                view! {
                                                    <tr>
                                                        <td>{closed.label}</td>
                                                        <td>{closed.closed_at}</td>
                                                        <td class="sha">
                                                            {closed.digest}
                                                            {if closed.intact { " (íntegra)" } else { " (¡no corresponde!)" }}
                                                        </td>
                                                        <td><button type="button" class="enlace"
                                                            on:click=move |_| selected.set(Some(month.clone()))>"Ver informe"</button></td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Transition>
        {move || selected.get().map(|month| view! { <ReportView month /> })}
    }
}

/// A month's report: its table, the CSV (built in the browser) and the PDF.
#[component]
fn ReportView(month: String) -> impl IntoView {
    let state = FormState::new();
    let report = Resource::new(
        {
            let month = month.clone();
            move || month.clone()
        },
        get_month_report,
    );
    let pdf = RwSignal::new(None::<String>);
    let file = format!("cierre_{month}");
    let get_pdf = move |_| {
        let month = month.clone();
        leptos::task::spawn_local(async move {
            match month_report_pdf(month).await {
                Ok(base64) => pdf.set(Some(format!("data:application/pdf;base64,{base64}"))),
                Err(error) => state.show(&error),
            }
        });
    };
    view! {
        <Transition fallback=|| view! { <p>"Cargando el informe…"</p> }>
            {move || {
                let file = file.clone();
                let get_pdf = get_pdf.clone();
                Suspend::new(async move {
                match report.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(found) => {
                        let csv = to_csv(&found.report);
                        let encoded: String = leptos::web_sys::js_sys::encode_uri_component(&format!("\u{feff}{csv}")).into();
                        let label = found.report.month.label();
                        view! {
                            <section data-testid="informe-cierre">
                                <h2>{format!("Informe de {label}")}{if found.closed { " (cerrado)" } else { " (abierto)" }}</h2>
                                <div class="tabla-contenedor">
                                    <table class="tabla">
                                        <thead><tr>
                                            <th>"Código de origen"</th><th>"Mineral"</th><th>"Saldo inicial"</th>
                                            <th>"Entradas"</th><th>"Salidas"</th><th>"Saldo final"</th>
                                        </tr></thead>
                                        <tbody>
                                            {found.report.rows.iter().map(|row| view! {
                                                <tr>
                                                    <td>{row.key.codigo_origen.to_string()}</td>
                                                    <td>{format!("{} ({})", row.key.mineral, row.key.unit)}</td>
                                                    <td>{row.amounts.opening.to_string()}</td>
                                                    <td>{row.amounts.entradas.to_string()}</td>
                                                    <td>{row.amounts.salidas.to_string()}</td>
                                                    <td>{row.amounts.closing.to_string()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <p class="acciones">
                                    <a class="boton" href=format!("data:text/csv;charset=utf-8,{encoded}")
                                        download=format!("{file}.csv")>"Descargar CSV"</a>
                                    {move || match pdf.get() {
                                        Some(href) => view! {
                                            <a class="boton" href=href download=format!("{file}.pdf")>"Descargar PDF"</a>
                                        }.into_any(),
                                        None => view! {
                                            <button type="button" class="boton boton-claro" on:click=get_pdf.clone()>"Preparar PDF"</button>
                                        }.into_any(),
                                    }}
                                </p>
                                <FormMessage state />
                            </section>
                        }.into_any()
                    }
                }
            })}}
        </Transition>
    }
}

/// `/auditoria/cierres`: which organisations closed which months.
#[component]
pub fn ClosingsAuditPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| closings_audit());
    view! {
        <Title text="Cierres de las organizaciones" />
        <h1>"Cierres de las organizaciones"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(AsOf { data_as_of, report: rows }) if rows.is_empty() => view! {
                        <DataAsOf data_as_of />
                        <p>"Ninguna organización ha cerrado meses."</p>
                    }.into_any(),
                    Ok(AsOf { data_as_of, report: rows }) => view! {
                        <DataAsOf data_as_of />
                        <div class="tabla-contenedor">
                            <table class="tabla" data-testid="auditoria-cierres">
                                <thead><tr>
                                    <th>"Organización"</th><th>"Documento"</th><th>"Cerrado hasta"</th>
                                    <th>"Meses cerrados"</th><th>"Último cierre"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{row.organization}</td><td>{row.document}</td><td>{row.closed_through}</td>
                                            <td>{row.months}</td><td>{row.last_closed_at}</td>
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
