//! *Registro de mineros de subsistencia* (`/mineros-de-subsistencia`): the *Administrador OTTM*
//! loads the CSV export of the official registry (GÉNESIS/RUCOM); each miner becomes, or updates,
//! an approved organisation of kind *minero de subsistencia* with its registry state, and the
//! report lists every line refused and why. `domain::subsistence_registry` reads the file.

use domain::subsistence_registry::RefusedRow;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{FormMessage, FormState, chosen_file};

/// What a load did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryReport {
    /// Miners new to Veta.
    pub created: u32,
    /// Miners Veta had, updated (state, and contact for those the registry created).
    pub updated: u32,
    /// Lines refused in all, and the first of them with the reason.
    pub refused_count: u32,
    pub refused: Vec<RefusedRow>,
}

/// "Cargar registro": the CSV export, as text.
#[server(endpoint = "mineros/cargar")]
pub async fn load_registry(csv: String) -> Result<RegistryReport, AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin) = crate::approval::ssr::ottm_admin().await?;
            ssr::load(&pool, admin.user_id, &csv).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::subsistence_registry::{RefusedRow, RegistryRow, parse_registry_csv};
    use domain::{ApprovalStatus, OrganizationKind};
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use super::RegistryReport;
    use crate::error::AppError;

    /// What became of one row.
    enum Outcome {
        Created,
        Updated,
        /// The document belongs to an organisation of another kind.
        OtherKind(OrganizationKind),
    }

    /// Loads the file in one transaction: every valid row is created or updated, the others
    /// reported by line.
    pub async fn load(pool: &PgPool, admin: Uuid, csv: &str) -> Result<RegistryReport, AppError> {
        let import = parse_registry_csv(csv);
        let mut report = RegistryReport {
            created: 0,
            updated: 0,
            refused_count: u32::try_from(import.refused_count).unwrap_or(u32::MAX),
            refused: import.refused,
        };
        let mut tx = pool.begin().await?;
        for row in &import.rows {
            match upsert(&mut tx, admin, row).await? {
                Outcome::Created => report.created += 1,
                Outcome::Updated => report.updated += 1,
                Outcome::OtherKind(kind) => {
                    report.refused_count += 1;
                    report.refused.push(RefusedRow {
                        line: row.line,
                        code: "registry_document_other_kind".to_owned(),
                        message: format!(
                            "el documento {} {} pertenece a una organización de tipo «{}» \
                             registrada en Veta.",
                            row.document.document_type().code(),
                            row.document.as_str(),
                            kind.label()
                        ),
                    });
                }
            }
        }
        report.refused.sort_by_key(|refused| refused.line);
        tx.commit().await?;
        tracing::info!(
            created = report.created,
            updated = report.updated,
            refused = report.refused_count,
            "registro de mineros de subsistencia cargado"
        );
        Ok(report)
    }

    async fn upsert(
        conn: &mut PgConnection,
        admin: Uuid,
        row: &RegistryRow,
    ) -> Result<Outcome, AppError> {
        let existing: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT organization_id, kind FROM organizations
             WHERE document_type = $1 AND document_number = $2 AND approval_status <> $3
             FOR NO KEY UPDATE",
        )
        .bind(row.document.document_type().code())
        .bind(row.document.as_str())
        .bind(ApprovalStatus::Rechazada.code())
        .fetch_optional(&mut *conn)
        .await?;
        let email: Option<&str> = row.email.as_ref().map(AsRef::as_ref);
        match existing {
            Some((organization_id, kind)) => {
                let kind = OrganizationKind::parse(&kind).map_err(|_| AppError::Internal)?;
                if kind != OrganizationKind::MineroSubsistencia {
                    return Ok(Outcome::OtherKind(kind));
                }
                // The state always; names and contact only for the miners the registry created
                // (one that signed up keeps what it proved).
                sqlx::query(
                    "UPDATE organizations SET registry_state = $2, registry_loaded_at = now(),
                            razon_social = CASE WHEN has_users THEN razon_social ELSE $3 END,
                            departamento_code = CASE WHEN has_users THEN departamento_code ELSE left($4, 2) END,
                            municipio_code = CASE WHEN has_users THEN municipio_code ELSE $4 END,
                            contact_mobile = CASE WHEN has_users THEN contact_mobile ELSE $5 END,
                            contact_email = CASE WHEN has_users THEN contact_email ELSE $6 END
                     FROM (SELECT EXISTS (SELECT 1 FROM users WHERE organization_id = $1) AS has_users) u
                     WHERE organization_id = $1",
                )
                .bind(organization_id)
                .bind(row.state.code())
                .bind(row.names.as_ref())
                .bind(row.municipio.code())
                .bind(row.mobile.as_ref())
                .bind(email)
                .execute(&mut *conn)
                .await?;
                Ok(Outcome::Updated)
            }
            None => {
                sqlx::query(
                    "INSERT INTO organizations (organization_id, kind, document_type, document_number,
                         razon_social, departamento_code, municipio_code, contact_email,
                         contact_mobile, approval_status, approval_decided_at, approval_decided_by,
                         registry_state, registry_loaded_at)
                     VALUES ($1, $2, $3, $4, $5, left($6, 2), $6, $7, $8, $9, now(), $10, $11, now())",
                )
                .bind(Uuid::new_v4())
                .bind(OrganizationKind::MineroSubsistencia.code())
                .bind(row.document.document_type().code())
                .bind(row.document.as_str())
                .bind(row.names.as_ref())
                .bind(row.municipio.code())
                .bind(email)
                .bind(row.mobile.as_ref())
                .bind(ApprovalStatus::Aprobada.code())
                .bind(admin)
                .bind(row.state.code())
                .execute(&mut *conn)
                .await?;
                Ok(Outcome::Created)
            }
        }
    }
}

/// The page: choose the CSV file, load it, read the report.
#[component]
pub fn MinerRegistryPage() -> impl IntoView {
    let state = FormState::new();
    let busy = RwSignal::new(false);
    let report = RwSignal::new(None::<RegistryReport>);
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            let Some((_, bytes)) = chosen_file(&input).await else {
                return;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                state.message.set(Some(
                    "El archivo no está en UTF-8: expórtelo de nuevo como CSV UTF-8.".to_owned(),
                ));
                return;
            };
            busy.set(true);
            match load_registry(text).await {
                Ok(done) => {
                    state.clear();
                    report.set(Some(done));
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    view! {
        <Title text="Registro de mineros de subsistencia" />
        <h1>"Registro de mineros de subsistencia"</h1>
        <p class="ayuda">
            "Cargue la exportación CSV del registro oficial (GÉNESIS/RUCOM). Columnas: tipo_documento, \
             numero_documento, nombres, municipio (código DIVIPOLA), celular, correo (opcional) y \
             estado (ACTIVO o INACTIVO). Solo un minero activo puede vender."
        </p>
        <form class="formulario" on:submit=|ev| ev.prevent_default()>
            <div class="campo">
                <label for="campo-registro">"Archivo CSV del registro"</label>
                <input id="campo-registro" type="file" accept=".csv,text/csv" on:change=on_file
                    disabled=move || busy.get() />
            </div>
            <FormMessage state />
        </form>
        {move || report.get().map(|report| view! {
            <p class="mensaje-exito" role="status" data-testid="registro-resumen">
                {format!(
                    "Mineros nuevos: {} · actualizados: {} · líneas rechazadas: {}",
                    report.created, report.updated, report.refused_count
                )}
            </p>
            {(!report.refused.is_empty()).then(|| view! {
                <div class="tabla-contenedor">
                    <table class="tabla" data-testid="registro-rechazos">
                        <thead><tr><th>"Línea"</th><th>"Motivo"</th></tr></thead>
                        <tbody>
                            {report.refused.into_iter().map(|row| view! {
                                <tr><td>{row.line}</td><td>{row.message}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        })}
    }
}
