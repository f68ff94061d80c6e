//! The *Auditor ANM*'s desk (`/auditoria/movimientos`): the ledger's movements across
//! organisations, filtered by organisation, origin code, mineral, kind and operation dates, newest
//! first, with their CSV. Platform roles only. The filters are `domain::movement_filter`'s; the
//! alerts (transformation losses, purchases without origin…) are on *Alertas*.

use domain::MovementKind;
use domain::movement_filter::{MOVEMENTS_LISTED_MAX, MovementFilterDraft};
use leptos::prelude::*;
use leptos::web_sys::SubmitEvent;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues, SelectField};
use crate::reports::{AsOf, DataAsOf};
use crate::users::AccessMessage;

/// One movement, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditMovement {
    /// The operation's date, `DD/MM/AAAA`.
    pub fecha: String,
    pub organizacion: String,
    pub codigo_origen: String,
    pub mineral: String,
    pub unidad: String,
    /// Signed, `-10,0000`.
    pub cantidad: String,
    pub tipo: String,
    /// The posting's reference (a PTM code…).
    pub referencia: String,
}

#[cfg(feature = "ssr")]
mod ssr {
    use domain::movement_filter::MovementFilter;
    use domain::{Fecha, Quantity};
    use rust_decimal::Decimal;
    use sqlx::PgPool;

    use super::AuditMovement;
    use crate::error::AppError;

    /// The movements that match, newest first, at most `MOVEMENTS_LISTED_MAX`.
    pub async fn movements(
        pool: &PgPool,
        filter: &MovementFilter,
    ) -> Result<Vec<AuditMovement>, AppError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            operation_date: time::Date,
            organizacion: String,
            codigo_origen: String,
            mineral: String,
            unidad: String,
            delta: Decimal,
            tipo: String,
            referencia: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT p.operation_date, o.razon_social AS organizacion, m.codigo_origen::text AS codigo_origen,
                    m.mineral, m.unit AS unidad, m.delta, m.kind AS tipo, p.reference AS referencia
             FROM movements m JOIN ledger_postings p ON p.posting_id = m.posting_id
             JOIN organizations o ON o.organization_id = m.organization_id
             WHERE ($1::text IS NULL OR o.razon_social ILIKE '%' || $1 || '%' OR o.document_number LIKE '%' || $1 || '%')
               AND ($2::char(8) IS NULL OR m.codigo_origen = $2)
               AND ($3::text IS NULL OR m.mineral = $3)
               AND ($4::text IS NULL OR m.kind = $4)
               AND ($5::date IS NULL OR p.operation_date >= $5)
               AND ($6::date IS NULL OR p.operation_date <= $6)
             ORDER BY m.sequence DESC
             LIMIT $7",
        )
        .bind(filter.organizacion.as_deref())
        .bind(filter.codigo.map(|c| c.to_string()))
        .bind(filter.mineral.map(|m| m.name()))
        .bind(filter.tipo.map(|k| k.code()))
        .bind(filter.desde.map(Fecha::date))
        .bind(filter.hasta.map(Fecha::date))
        .bind(domain::movement_filter::MOVEMENTS_LISTED_MAX)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let magnitude = Quantity::new(row.delta.abs())
                    .map(|q| q.to_string())
                    .unwrap_or_default();
                AuditMovement {
                    fecha: Fecha::from_date(row.operation_date).to_string(),
                    organizacion: row.organizacion,
                    codigo_origen: row.codigo_origen,
                    mineral: row.mineral,
                    unidad: row.unidad,
                    cantidad: if row.delta.is_sign_negative() {
                        format!("-{magnitude}")
                    } else {
                        magnitude
                    },
                    tipo: row.tipo,
                    referencia: row.referencia,
                }
            })
            .collect())
    }
}

/// The movements that match the filters.
#[server(endpoint = "auditoria/movimientos")]
pub async fn list_audit_movements(
    #[server(default)] filter: MovementFilterDraft,
) -> Result<AsOf<Vec<AuditMovement>>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, read_pool, sessions};
            sessions::require_platform(&pool()?).await?;
            let filter = filter.validate().map_err(AppError::Invalid)?;
            let read = read_pool()?;
            crate::reports::ssr::read_as_of(&read, ssr::movements(&read, &filter)).await
        }
        .await,
    )
}

/// The listed movements as CSV (every cell through `csv_line`: a name never becomes a formula).
fn csv(rows: &[AuditMovement]) -> String {
    let mut text = String::from("\u{feff}");
    text.push_str(&domain::compra_history::csv_line(&[
        "fecha",
        "organizacion",
        "codigo_origen",
        "mineral",
        "unidad",
        "cantidad",
        "tipo",
        "referencia",
    ]));
    for row in rows {
        text.push_str(&domain::compra_history::csv_line(&[
            &row.fecha,
            &row.organizacion,
            &row.codigo_origen,
            &row.mineral,
            &row.unidad,
            &row.cantidad,
            &row.tipo,
            &row.referencia,
        ]));
    }
    text
}

/// `/auditoria/movimientos`.
#[component]
pub fn AuditMovementsPage() -> impl IntoView {
    let state = FormState::new();
    let applied = RwSignal::new(MovementFilterDraft::default());
    let rows = Resource::new(move || applied.get(), list_audit_movements);
    let search = move |ev: SubmitEvent| {
        let values = FormValues::take(&ev);
        let draft = MovementFilterDraft {
            organizacion: values.get("organizacion"),
            codigo: values.get("codigo"),
            mineral: values.get("mineral"),
            tipo: values.get("tipo"),
            desde: values.get("desde"),
            hasta: values.get("hasta"),
        };
        if state.check(draft.validate()).is_some() {
            applied.set(draft);
        }
    };
    let kinds: Vec<(String, String)> = std::iter::once((String::new(), "Todos".to_owned()))
        .chain(
            MovementKind::ALL
                .iter()
                .map(|k| (k.code().to_owned(), k.code().to_owned())),
        )
        .collect();
    view! {
        <Title text="Movimientos del libro de saldos" />
        <h1>"Movimientos del libro de saldos"</h1>
        <form class="filtros" on:submit=search novalidate>
            <Field label="Organización" name="organizacion" state hint="Razón social o documento, o una parte" />
            <Field label="Código de origen" name="codigo" state />
            <Field label="Mineral" name="mineral" state />
            <SelectField label="Tipo de movimiento" name="tipo" state options=Signal::stored(kinds) />
            <Field label="Desde" name="desde" state hint="DD/MM/AAAA" />
            <Field label="Hasta" name="hasta" state hint="DD/MM/AAAA" />
            <FormMessage state />
            <p class="acciones"><button type="submit" class="boton">"Buscar"</button></p>
        </form>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(AsOf { data_as_of, report: rows }) => {
                        // Encoded in the browser, on demand (js_sys does not run on the server).
                        let download = RwSignal::new(None::<String>);
                        let listed = StoredValue::new(rows.clone());
                        let export = move |_| {
                            let text = listed.with_value(|rows| csv(rows));
                            let encoded: String = leptos::web_sys::js_sys::encode_uri_component(&text).into();
                            download.set(Some(format!("data:text/csv;charset=utf-8,{encoded}")));
                        };
                        view! {
                            <DataAsOf data_as_of />
                            <p>{format!("{} movimientos (se muestran hasta {MOVEMENTS_LISTED_MAX}, los más recientes).", rows.len())}</p>
                            <p class="acciones">
                                <button type="button" class="boton" on:click=export>"Exportar CSV"</button>
                                {move || download.get().map(|href| view! {
                                    <a class="boton" href=href download="movimientos.csv">"Descargar movimientos.csv"</a>
                                })}
                            </p>
                            <div class="tabla-contenedor">
                                <table class="tabla" data-testid="movimientos-auditoria">
                                    <thead><tr>
                                        <th>"Fecha"</th><th>"Organización"</th><th>"Código de origen"</th><th>"Mineral"</th>
                                        <th>"Cantidad"</th><th>"Tipo"</th><th>"Referencia"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|row| view! {
                                            <tr>
                                                <td>{row.fecha}</td><td>{row.organizacion}</td>
                                                <td><a href=format!("/trazabilidad/{}", row.codigo_origen)>{row.codigo_origen.clone()}</a></td>
                                                <td>{format!("{} ({})", row.mineral, row.unidad)}</td>
                                                <td>{row.cantidad}</td><td>{row.tipo}</td><td class="sha">{row.referencia}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
