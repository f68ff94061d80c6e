//! "Organizaciones": every participant of the chain, for the platform roles (the ANM's auditors
//! and the operator's administrators). Read-only.

use domain::{OrganizationKind, RucomState};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::users::AccessMessage;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub kind: OrganizationKind,
    pub document: String,
    pub municipio: String,
    pub rucom: Option<(String, RucomState)>,
    pub titles: Vec<String>,
}

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct OrganizationRecord {
    organization_id: Uuid,
    razon_social: String,
    kind: String,
    document_type: String,
    document_number: String,
    municipio_code: String,
    rucom_number: Option<String>,
    rucom_state: Option<String>,
    titles: Vec<String>,
}

#[server(endpoint = "organizaciones")]
pub async fn list_organizations() -> Result<Vec<OrganizationRow>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            /// Most organisations one page lists.
            const PAGE_ROWS_MAX: i64 = 500;
            let pool = pool()?;
            let user = sessions::require(&pool).await?;
            if !user.role.reads_every_organization() {
                return Err(AppError::Forbidden);
            }
            let records: Vec<OrganizationRecord> = sqlx::query_as(
            "SELECT o.organization_id, o.razon_social, o.kind, o.document_type, o.document_number,
                    o.municipio_code, o.rucom_number, o.rucom_state,
                    coalesce(array_agg(t.codigo_expediente ORDER BY t.codigo_expediente)
                             FILTER (WHERE t.codigo_expediente IS NOT NULL), '{}') AS titles
             FROM organizations o LEFT JOIN mining_titles t ON t.organization_id = o.organization_id
             GROUP BY o.organization_id ORDER BY o.razon_social LIMIT $1",
        )
        .bind(PAGE_ROWS_MAX)
        .fetch_all(&pool)
        .await?;
            records
                .into_iter()
                .map(|r| {
                    let municipio = domain::Municipio::by_code(&r.municipio_code)
                        .map(|m| format!("{} ({})", m.name(), m.departamento().name()))
                        .unwrap_or(r.municipio_code);
                    let rucom = match (r.rucom_number, r.rucom_state) {
                        (Some(number), Some(state)) => Some((
                            number,
                            RucomState::parse(&state).map_err(|_| AppError::Internal)?,
                        )),
                        _ => None,
                    };
                    Ok(OrganizationRow {
                        organization_id: r.organization_id,
                        razon_social: r.razon_social,
                        kind: OrganizationKind::parse(&r.kind).map_err(|_| AppError::Internal)?,
                        document: format!("{} {}", r.document_type, r.document_number),
                        municipio,
                        rucom,
                        titles: r.titles,
                    })
                })
                .collect()
        }
        .await,
    )
}

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let organizations = Resource::new(|| (), |_| list_organizations());
    view! {
        <Title text="Organizaciones" />
        <h1>"Organizaciones registradas"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match organizations.await {
                    Ok(rows) => view! {
                        <div class="tabla-contenedor">
                            <table class="tabla">
                                <thead><tr>
                                    <th>"Razón social"</th><th>"Tipo"</th><th>"Documento"</th>
                                    <th>"Municipio"</th><th>"RUCOM"</th><th>"Títulos"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{row.razon_social}</td>
                                            <td>{row.kind.label()}</td>
                                            <td>{row.document}</td>
                                            <td>{row.municipio}</td>
                                            <td>{row.rucom.map(|(number, state)| format!("{number} ({})", state.label()))}</td>
                                            <td>{row.titles.join(", ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
