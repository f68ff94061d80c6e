//! `/produccion/mensual`: a title holder without systems of its own types, or uploads as CSV, the
//! month's production per title and mineral (`domain::production_report::monthly`). It counts as
//! reported production in the cross-check against sales ([`super::crosscheck`]); what is declared
//! is never changed (a line repeated with the same quantity is a retry and stores nothing twice).

use domain::production_report::monthly::{CSV_COLUMNS, MonthlyDraft, MonthlyLineDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{
    FieldMessages, FormMessage, FormState, browser_today, chosen_file, messages_for,
};
use crate::users::AccessMessage;

/// The holder's titles (for the form) and what it declared, newest month first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyPage {
    pub titulos: Vec<String>,
    pub declared: Vec<DeclaredMonth>,
}

/// One declared line as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredMonth {
    pub titulo: String,
    pub mineral: String,
    /// `AAAA-MM`.
    pub month: String,
    /// With its unit: `1.250,5 g`.
    pub quantity: String,
    /// `DD/MM/AAAA HH:MM`, Colombia, and who.
    pub declared: String,
}

/// What a declaration stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyAnswer {
    pub stored: usize,
    /// Lines already declared with the same quantity (a retry).
    pub repeated: usize,
}

#[server(endpoint = "produccion/mensual")]
pub async fn monthly_production() -> Result<MonthlyPage, AppError> {
    crate::error::with_status(ssr::page().await)
}

#[server(endpoint = "produccion/mensual/declarar")]
pub async fn declare_monthly_production(draft: MonthlyDraft) -> Result<MonthlyAnswer, AppError> {
    crate::error::with_status(ssr::declare(draft).await)
}

/// `/produccion/mensual`.
#[component]
pub fn MonthlyProductionPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let page = Resource::new(move || version.get(), |_| monthly_production());
    // Outside the reloaded part: declaring reloads the page's data, and the form with it.
    let done = RwSignal::new(None::<MonthlyAnswer>);
    view! {
        <Title text="Producción mensual" />
        <h1>"Producción mensual"</h1>
        <p class="ayuda">
            "Si sus puntos de control no envían las mediciones por el servicio web, declare aquí la \
             producción de cada título y mineral por mes, escrita o cargada en un archivo CSV. Cuenta \
             como producción reportada (ambiente de producción): Veta la compara con lo que venden sus \
             códigos de origen y avisa al auditor de la ANM si las ventas la superan. Lo declarado no \
             se modifica."
        </p>
        {move || done.get().map(|answer| view! {
            <p class="mensaje-exito" role="status">{format!(
                "Producción declarada: {} línea(s) nueva(s), {} ya declarada(s).",
                answer.stored, answer.repeated
            )}</p>
        })}
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(page) => view! {
                        <MonthlyForm titulos=page.titulos version done />
                        <h2>"Producción declarada"</h2>
                        {declared_table(page.declared)}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn declared_table(rows: Vec<DeclaredMonth>) -> AnyView {
    if rows.is_empty() {
        return view! { <p>"Aún no ha declarado producción mensual."</p> }.into_any();
    }
    view! {
        <div class="tabla-contenedor">
            <table class="tabla" data-testid="produccion-declarada">
                <thead><tr>
                    <th>"Mes"</th><th>"Título"</th><th>"Mineral"</th><th>"Cantidad"</th>
                    <th>"Declarada"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            <td>{row.month}</td><td>{row.titulo}</td><td>{row.mineral}</td>
                            <td>{row.quantity}</td><td>{row.declared}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A line of the form, with a select of the holder's titles.
fn line_view(
    state: FormState,
    lines: RwSignal<Vec<MonthlyLineDraft>>,
    titulos: Vec<String>,
    (index, line): (usize, MonthlyLineDraft),
) -> impl IntoView {
    let set = move |apply: fn(&mut MonthlyLineDraft, String)| {
        move |ev: leptos::ev::Event| {
            let typed = event_target_value(&ev);
            lines.update_untracked(|lines| apply(&mut lines[index], typed));
        }
    };
    let errors = move || {
        CSV_COLUMNS
            .iter()
            .flat_map(|field| messages_for(state, &format!("lines[{index}].{field}")))
            .collect::<Vec<_>>()
    };
    let n = index + 1;
    let minerals = domain::Mineral::all().iter().map(|m| m.name());
    view! {
        <fieldset class="linea">
            <legend>{format!("Línea {n}")}</legend>
            <label>"Título"
                <select aria-label=format!("Título de la línea {n}")
                    on:change=set(|line, typed| line.titulo = typed)>
                    <option value="" selected=line.titulo.is_empty()>"Elija…"</option>
                    {titulos.into_iter().map(|titulo| {
                        let selected = titulo == line.titulo;
                        view! { <option value=titulo.clone() selected=selected>{titulo.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Mineral"
                <select aria-label=format!("Mineral de la línea {n}")
                    on:change=set(|line, typed| line.mineral = typed)>
                    <option value="" selected=line.mineral.is_empty()>"Elija…"</option>
                    {minerals.map(|name| {
                        let selected = name == line.mineral;
                        view! { <option value=name selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Mes"
                <input type="month" prop:value=line.mes.clone()
                    aria-label=format!("Mes de la línea {n}")
                    on:input=set(|line, typed| line.mes = typed) />
            </label>
            <label>"Cantidad"
                <input type="text" inputmode="decimal" prop:value=line.cantidad.clone()
                    aria-label=format!("Cantidad de la línea {n}")
                    on:input=set(|line, typed| line.cantidad = typed) />
            </label>
            <label>"Unidad"
                <input type="text" prop:value=line.unidad.clone() placeholder="la del mineral"
                    aria-label=format!("Unidad de la línea {n}")
                    on:input=set(|line, typed| line.unidad = typed) />
            </label>
            <ul class="errores-campo">
                {move || errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </fieldset>
    }
}

#[component]
fn MonthlyForm(
    titulos: Vec<String>,
    version: RwSignal<u32>,
    done: RwSignal<Option<MonthlyAnswer>>,
) -> impl IntoView {
    let state = FormState::new();
    let lines = RwSignal::new(vec![MonthlyLineDraft::default()]);
    let on_csv = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                let text = String::from_utf8_lossy(&bytes);
                if let Some(read) = state.check(MonthlyDraft::from_csv(&text)) {
                    lines.set(read.lines);
                }
            }
        });
    };
    let titles = titulos.clone();
    let on_send = move |_| {
        done.set(None);
        let draft = MonthlyDraft {
            lines: lines.get_untracked(),
        };
        if state
            .check(draft.validate(browser_today(), &titles))
            .is_none()
        {
            return;
        }
        leptos::task::spawn_local(async move {
            match declare_monthly_production(draft).await {
                Ok(answer) => {
                    done.set(Some(answer));
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
        });
    };
    view! {
        <form class="formulario" on:submit=|ev| ev.prevent_default()>
            <div class="campo">
                <label for="campo-csv">"Cargar CSV (opcional)"</label>
                <input id="campo-csv" type="file" accept=".csv,text/csv" on:change=on_csv />
                <p class="ayuda">
                    "Una línea por título, mineral y mes, columnas separadas por punto y coma: \
                     titulo;mineral;mes;cantidad;unidad (por ejemplo T14292011-003;ORO;2026-10;1250,5;g). \
                     Las líneas leídas aparecen abajo para revisarlas antes de declarar."
                </p>
                <FieldMessages state path="csv" />
            </div>
            {move || {
                let titulos = titulos.clone();
                lines.get().into_iter().enumerate()
                    .map(|line| line_view(state, lines, titulos.clone(), line))
                    .collect_view()
            }}
            <FieldMessages state path="lines" />
            <p class="acciones">
                <button type="button" class="boton boton-claro"
                    on:click=move |_| lines.update(|lines| lines.push(MonthlyLineDraft::default()))>"Agregar línea"</button>
                <button type="button" class="boton" on:click=on_send>"Declarar producción"</button>
            </p>
            <FormMessage state />
        </form>
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::collections::BTreeSet;

    use domain::closing::Month;
    use domain::production_report::ProductionTolerance;
    use domain::production_report::monthly::{MonthlyDraft, MonthlyError};
    use domain::{Mineral, Quantity, ValidationErrors};
    use leptos::prelude::use_context;
    use rust_decimal::Decimal;
    use time::{Date, OffsetDateTime};

    use super::{DeclaredMonth, MonthlyAnswer, MonthlyPage};
    use crate::error::AppError;
    use crate::ledger::ssr::today;
    use crate::production::crosscheck::after_report;
    use crate::production::ssr::{holder_administrator, titles_of};
    use crate::saldos::ssr::fecha_hora;

    /// Most declared lines the page lists.
    const DECLARED_LISTED: i64 = 120;

    /// A quantity with its mineral's unit, as people read it.
    fn with_unit(mineral: &str, quantity: Decimal) -> String {
        let unit = Mineral::resolve(mineral)
            .map(|m| m.unit().code())
            .unwrap_or_default();
        let amount = Quantity::new(quantity)
            .map(|q| q.to_string())
            .unwrap_or_else(|_| quantity.to_string());
        format!("{amount} {unit}")
    }

    pub async fn page() -> Result<MonthlyPage, AppError> {
        let (pool, _, organization_id) = holder_administrator().await?;
        let rows: Vec<(String, String, Date, Decimal, OffsetDateTime, String)> = sqlx::query_as(
            "SELECT m.codigo_expediente, m.mineral, m.month, m.quantity, m.declared_at, u.full_name
             FROM monthly_production m JOIN users u ON u.user_id = m.declared_by
             WHERE m.organization_id = $1
             ORDER BY m.month DESC, m.codigo_expediente, m.mineral LIMIT $2",
        )
        .bind(organization_id)
        .bind(DECLARED_LISTED)
        .fetch_all(&pool)
        .await?;
        Ok(MonthlyPage {
            titulos: titles_of(&pool, organization_id).await?,
            declared: rows
                .into_iter()
                .map(|(titulo, mineral, month, quantity, at, by)| DeclaredMonth {
                    month: Month::of(domain::Fecha::from_date(month)).to_string(),
                    quantity: with_unit(&mineral, quantity),
                    declared: format!("{} por {by}", fecha_hora(at)),
                    titulo,
                    mineral,
                })
                .collect(),
        })
    }

    /// Stores every line or none (one transaction): a line already declared with another quantity
    /// is refused at its field; with the same quantity it is a retry. Then the cross-check of each
    /// mineral and month declared.
    pub async fn declare(draft: MonthlyDraft) -> Result<MonthlyAnswer, AppError> {
        let (pool, user, organization_id) = holder_administrator().await?;
        let lines = draft
            .validate(today(), &titles_of(&pool, organization_id).await?)
            .map_err(AppError::Invalid)?;
        let mut tx = pool.begin().await?;
        let mut errors = ValidationErrors::default();
        let mut months = BTreeSet::new();
        let mut answer = MonthlyAnswer {
            stored: 0,
            repeated: 0,
        };
        for (index, line) in lines.iter().enumerate() {
            let month = line.month.first_day().date();
            let stored = sqlx::query(
                "INSERT INTO monthly_production
                     (organization_id, codigo_expediente, mineral, month, quantity, declared_by)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (codigo_expediente, mineral, month) DO NOTHING",
            )
            .bind(organization_id)
            .bind(line.titulo.as_ref())
            .bind(line.mineral.name())
            .bind(month)
            .bind(line.quantity.value())
            .bind(user.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if stored == 1 {
                answer.stored += 1;
                months.insert((line.mineral.name().to_owned(), line.month));
                continue;
            }
            let (earlier, at): (Decimal, OffsetDateTime) = sqlx::query_as(
                "SELECT quantity, declared_at FROM monthly_production
                 WHERE codigo_expediente = $1 AND mineral = $2 AND month = $3",
            )
            .bind(line.titulo.as_ref())
            .bind(line.mineral.name())
            .bind(month)
            .fetch_one(&mut *tx)
            .await?;
            if earlier == line.quantity.value() {
                answer.repeated += 1;
            } else {
                errors.push(
                    format!("lines[{index}].cantidad"),
                    &format!("Línea {}, cantidad", index + 1),
                    &MonthlyError::AlreadyDeclared {
                        quantity: with_unit(line.mineral.name(), earlier),
                        declared_on: fecha_hora(at),
                    },
                );
            }
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Err(AppError::Invalid(errors));
        }
        let tolerance = use_context::<ProductionTolerance>().unwrap_or_default();
        let site = crate::auth::ssr::public_url()?;
        after_report(&mut tx, &site, tolerance, organization_id, &months).await?;
        tx.commit().await?;
        tracing::info!(%organization_id, stored = answer.stored, "producción mensual declarada");
        Ok(answer)
    }
}
