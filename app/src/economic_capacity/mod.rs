//! *Capacidad económica* (`/capacidad-economica`, Resolución ANM 1216 de 2025, seed 004): the
//! Administrador of a comercializador or planta de beneficio types its figures, the year, the
//! projected amount of commercialisation and the SHA-256 of its evidence; `domain::economic_capacity`
//! checks and evaluates them (in the browser, and again on the server) and the page explains every
//! criterion. Every submission is kept (insert-only); the latest of a year is the evaluation. The
//! platform roles read every organisation's latest (`/auditoria/capacidad-economica`). The
//! purchases of a year are compared with the projection of its latest passing evaluation
//! (`ssr::check_purchase`, `ssr::after_purchase`).

mod form;
#[cfg(feature = "ssr")]
pub mod ssr;

use domain::economic_capacity::{CapacityDraft, Criterion, EvaluationResult};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::users::AccessMessage;
use form::CapacityForm;

/// Whether a purchase without a passing evaluation of its year is refused at confirmation
/// (`VETA_CAPACIDAD_BLOQUEA`, provided by the server; off: a warning only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapacityBlocks(pub bool);

/// One criterion as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionLine {
    pub name: String,
    pub explanation: String,
    pub formula: Option<String>,
    /// The figure computed or declared, `no presentado` when none.
    pub figure: String,
    /// `≥ 1,24`, empty when none applies.
    pub threshold: String,
    pub passed: bool,
    pub note: Option<String>,
    pub article: String,
    /// A detail of the financial indicators (shown indented).
    pub indicator: bool,
}

/// One stored evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationView {
    pub year: i32,
    /// `$ 2.000.000.000,00`.
    pub projected_amount: String,
    pub passed: bool,
    /// `Cumple por: Indicadores financieros.` or why not.
    pub summary: String,
    /// `DD/MM/AAAA HH:MM`.
    pub created_at: String,
    pub evidence_sha256: String,
    pub criteria: Vec<CriterionLine>,
}

impl EvaluationView {
    /// The page's lines and summary of a verdict.
    pub fn lines(result: &EvaluationResult) -> (Vec<CriterionLine>, String) {
        let lines = result
            .criteria()
            .iter()
            .map(|line| CriterionLine {
                name: line.name(),
                explanation: line.criterion.explanation().to_owned(),
                formula: line.criterion.formula().map(str::to_owned),
                figure: line
                    .figure
                    .map_or_else(|| "no presentado".to_owned(), |f| f.to_string()),
                threshold: line.threshold.map(|t| t.to_string()).unwrap_or_default(),
                passed: line.passed,
                note: line.note.clone(),
                article: line.article(),
                indicator: matches!(line.criterion, Criterion::Indicador(_)),
            })
            .collect();
        let routes: Vec<String> = result.passed_routes().map(|r| r.name()).collect();
        let summary = if result.qualifies() {
            format!("Cumple la capacidad económica por: {}.", routes.join("; "))
        } else {
            "No cumple la capacidad económica: revise los criterios marcados «no cumple»."
                .to_owned()
        };
        (lines, summary)
    }
}

/// What the page of an organisation shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityOverview {
    pub razon_social: String,
    /// Only its Administrador submits.
    pub can_submit: bool,
    /// The latest evaluation of each year, newest year first.
    pub latest: Vec<EvaluationView>,
    /// This year's confirmed purchases against the projection, when there is a passing evaluation.
    pub purchases: Option<String>,
}

/// One row of the auditor's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub razon_social: String,
    pub kind: String,
    pub year: i32,
    pub projected_amount: String,
    pub passed: bool,
    pub summary: String,
    pub created_at: String,
}

/// The signed-in organisation's capacity.
#[server(endpoint = "capacidad-economica/resumen")]
pub async fn get_capacity() -> Result<CapacityOverview, AppError> {
    crate::error::with_status(ssr::overview().await)
}

/// "Evaluar y guardar": validated and evaluated again here, stored (insert-only).
#[server(endpoint = "capacidad-economica/evaluar")]
pub async fn submit_capacity(draft: CapacityDraft) -> Result<EvaluationView, AppError> {
    crate::error::with_status(ssr::submit(draft).await)
}

/// Every organisation's latest evaluation per year (platform roles).
#[server(endpoint = "auditoria/capacidad-economica")]
pub async fn list_capacity_evaluations() -> Result<Vec<AuditRow>, AppError> {
    crate::error::with_status(ssr::audit_list().await)
}

/// Whether the buyer's organisation has a passing evaluation for this year: the purchase
/// wizard's notice. `None`: it has one (or its kind does not need it).
#[server(endpoint = "capacidad-economica/aviso")]
pub async fn get_capacity_notice() -> Result<Option<String>, AppError> {
    crate::error::with_status(ssr::notice().await)
}

/// `/capacidad-economica`.
#[component]
pub fn CapacityPage() -> impl IntoView {
    let title = "Capacidad económica";
    let version = RwSignal::new(0u32);
    let overview = Resource::new(move || version.get(), |_| get_capacity());
    // Outside the reloaded part: saving reloads the page's data, and the form with it.
    let saved = RwSignal::new(None::<i32>);
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <p class="ayuda">
            "La Resolución ANM 1216 de 2025 exige a comercializadores y plantas de beneficio demostrar \
             capacidad económica para inscribirse o renovar en el RUCOM. Presente, sin excepción, su \
             información financiera y una certificación bancaria, y cumpla una de estas alternativas: \
             los indicadores financieros (si es responsable de IVA, al menos 2 de 3: capital de trabajo, \
             liquidez y endeudamiento; si no lo es, el indicador de cobertura de inversión con una \
             capacidad de endeudamiento del 15,7 %), un título minero inscrito a su nombre, una \
             calificación de riesgos igual o superior a B, o un volumen de compras del año anterior. \
             Están exentos quienes estén en reorganización (Ley 1116 de 2006) o tengan un acuerdo de \
             reperfilamiento. Veta compara además sus compras del año con el monto proyectado."
        </p>
        {move || saved.get().map(|year| view! {
            <p class="mensaje-exito" role="status">{format!("Evaluación guardada: año {year}.")}</p>
        })}
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(overview) => view! {
                        <p>{format!("Organización: {}", overview.razon_social)}</p>
                        {overview.purchases.map(|text| view! { <p class="aviso" data-testid="compras-vs-proyeccion">{text}</p> })}
                        {overview.can_submit.then(|| view! { <CapacityForm version saved /> })}
                        <h2>"Evaluaciones"</h2>
                        {if overview.latest.is_empty() {
                            view! { <p>"Su organización no ha registrado su capacidad económica."</p> }.into_any()
                        } else {
                            overview.latest.into_iter().map(|evaluation| view! { <EvaluationCard evaluation /> }).collect_view().into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One evaluation, every criterion explained.
#[component]
pub fn EvaluationCard(evaluation: EvaluationView) -> impl IntoView {
    let verdict = if evaluation.passed {
        "Cumple"
    } else {
        "No cumple"
    };
    view! {
        <section class="tarjeta" data-testid="evaluacion-capacidad">
            <h3>{format!("Año {} · {verdict}", evaluation.year)}</h3>
            <p data-testid="resumen-capacidad"><strong>{evaluation.summary}</strong></p>
            <p>{format!(
                "Monto proyectado de comercialización: {} · registrada el {}",
                evaluation.projected_amount, evaluation.created_at
            )}</p>
            <p class="sha">{format!("Soporte SHA-256: {}", evaluation.evidence_sha256)}</p>
            <div class="tabla-contenedor"><table class="tabla">
                <thead>
                    <tr><th>"Criterio"</th><th>"Fórmula"</th><th>"Valor"</th><th>"Umbral"</th><th>"Resultado"</th></tr>
                </thead>
                <tbody>
                    {evaluation.criteria.into_iter().map(|line| {
                        let name = if line.indicator { format!("— {}", line.name) } else { line.name };
                        view! {
                            <tr data-testid="criterio-capacidad">
                                <td>
                                    <strong>{name}</strong>
                                    <p class="ayuda">{line.explanation}</p>
                                    <p class="ayuda">{line.article}</p>
                                </td>
                                <td>{line.formula.unwrap_or_default()}</td>
                                <td>{line.figure}</td>
                                <td>{line.threshold}</td>
                                <td>
                                    {if line.passed { "Cumple" } else { "No cumple" }}
                                    {line.note.map(|note| view! { <p class="ayuda">{note}</p> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        </section>
    }
}

/// `/auditoria/capacidad-economica`: every organisation's latest evaluation per year.
#[component]
pub fn CapacityAuditPage() -> impl IntoView {
    let title = "Capacidad económica de las organizaciones";
    let rows = Resource::new(|| (), |_| list_capacity_evaluations());
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <p>"Ninguna organización ha registrado su capacidad económica."</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="tabla-contenedor"><table class="tabla">
                            <thead>
                                <tr><th>"Organización"</th><th>"Tipo"</th><th>"Año"</th><th>"Monto proyectado"</th><th>"Resultado"</th><th>"Fecha"</th></tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! {
                                    <tr data-testid="fila-capacidad">
                                        <td>{row.razon_social}</td>
                                        <td>{row.kind}</td>
                                        <td>{row.year}</td>
                                        <td>{row.projected_amount}</td>
                                        <td>{if row.passed { "Cumple" } else { "No cumple" }}<p class="ayuda">{row.summary}</p></td>
                                        <td>{row.created_at}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The purchase wizard's notice: without a passing evaluation for this year, a short warning with
/// a link to `/capacidad-economica`.
#[component]
pub fn CapacityNotice() -> impl IntoView {
    let notice = Resource::new(|| (), |_| get_capacity_notice());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                notice.await.ok().flatten().map(|text| view! {
                    <p class="aviso" role="note" data-testid="aviso-capacidad">
                        {text}" "<a href="/capacidad-economica">"Registrar la capacidad económica"</a>
                    </p>
                })
            })}
        </Suspense>
    }
}
