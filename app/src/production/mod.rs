//! *Reporte de producción* (seed 003, Resolución 371 de 2024), the title holder's pages:
//!
//! - `/produccion/tokens`: *Generar token* per environment (its secret shown once) and *Historial
//!   de token* (creación, último uso, ambiente, estado). The same tokens the machine API's steps 1
//!   and 2 give (`server::production_api`).
//! - `/produccion/cargues`: *Historial de cargue*, each batch with the answer given per record
//!   (test batches while they are kept, 8 days).
//!
//! Only the administrator of an approved title holder (*explotador minero autorizado*) reaches them:
//! "el token solo podrá ser generado desde el usuario y cuenta del titular y no por un agente".
//! The server side is in [`ssr`].

use domain::FieldError;
use domain::production_report::Environment;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{FormMessage, FormState};
use crate::users::AccessMessage;

#[cfg(feature = "ssr")]
pub mod crosscheck;
pub mod monthly;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What became of one record of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    /// Stored now.
    Aceptado,
    /// The same consecutivo with the same content was stored before: nothing changed.
    Duplicado,
    /// Not stored: see its errors.
    Rechazado,
}

impl RecordStatus {
    /// Stable code, as the API answers it.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Aceptado => "ACEPTADO",
            Self::Duplicado => "DUPLICADO",
            Self::Rechazado => "RECHAZADO",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Aceptado => "Aceptado",
            Self::Duplicado => "Duplicado (ya recibido)",
            Self::Rechazado => "Rechazado",
        }
    }
}

/// The answer about one record, as the API gave it and *Historial de cargue* shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    /// Position in the batch, from 0.
    pub indice: usize,
    pub consecutivo: Option<String>,
    /// Veta's id of the stored record (for a duplicate, the first one's).
    pub id: Option<Uuid>,
    pub estado: RecordStatus,
    pub errores: Vec<FieldError>,
}

/// A token as *Historial de token* lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionTokenRow {
    pub token_id: Uuid,
    pub user: String,
    pub environment: Environment,
    /// `DD/MM/AAAA HH:MM`, Colombia.
    pub created: String,
    pub last_used: Option<String>,
    /// `TokenState::label`.
    pub state: String,
}

/// A token just generated: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProductionToken {
    pub token_id: Uuid,
    pub environment: Environment,
    pub secret: String,
}

/// A batch as *Historial de cargue* lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    pub batch_id: Uuid,
    pub environment: Environment,
    /// `DD/MM/AAAA HH:MM`, Colombia.
    pub received: String,
    pub user: String,
    pub total: i32,
    pub accepted: i32,
    pub duplicates: i32,
    pub rejected: i32,
    pub results: Vec<RecordResult>,
}

#[server(endpoint = "produccion/tokens")]
pub async fn list_production_tokens() -> Result<Vec<ProductionTokenRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::holder_administrator().await?;
            ssr::list_tokens(&pool, organization_id).await
        }
        .await,
    )
}

#[server(endpoint = "produccion/tokens/generar")]
pub async fn generate_production_token(
    environment: Environment,
) -> Result<NewProductionToken, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = ssr::holder_administrator().await?;
            let mut tx = pool.begin().await?;
            let token =
                ssr::issue_token(&mut tx, user.user_id, organization_id, environment).await?;
            tx.commit().await?;
            Ok(token)
        }
        .await,
    )
}

#[server(endpoint = "produccion/cargues")]
pub async fn list_production_batches() -> Result<Vec<BatchRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::holder_administrator().await?;
            ssr::list_batches(&pool, organization_id).await
        }
        .await,
    )
}

/// `/produccion/tokens`: *Generar token* and *Historial de token*.
#[component]
pub fn ProductionTokensPage() -> impl IntoView {
    let state = FormState::new();
    let version = RwSignal::new(0u32);
    let tokens = Resource::new(move || version.get(), |_| list_production_tokens());
    let created = RwSignal::new(None::<NewProductionToken>);
    let generate = move |environment: Environment| {
        leptos::task::spawn_local(async move {
            match generate_production_token(environment).await {
                Ok(token) => {
                    state.clear();
                    created.set(Some(token));
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
        });
    };
    view! {
        <Title text="Tokens del reporte de producción" />
        <h1>"Reporte de producción: tokens"</h1>
        <p class="ayuda">
            "Con un token, los sistemas de sus puntos de control envían las mediciones a Veta \
             (Resolución 371 de 2024) por POST /api/produccion/v1/cargue; descripción OpenAPI en \
             /api/produccion/v1/openapi.json. Hay un token por usuario y ambiente: generar otro \
             inhabilita el anterior. Un token que pasa 180 días sin uso se inactiva."
        </p>
        <p class="ayuda">
            "Pruebas: los datos se conservan 8 días. Producción: los datos son el reporte oficial \
             y no se borran."
        </p>
        <FormMessage state />
        <p class="acciones">
            <button type="button" class="boton" data-ambiente="PRUEBAS"
                on:click=move |_| generate(Environment::Pruebas)>"Generar token de pruebas"</button>
            <button type="button" class="boton" data-ambiente="PRODUCCION"
                on:click=move |_| generate(Environment::Produccion)>"Generar token de producción"</button>
        </p>
        {move || created.get().map(|token| view! {
            <div class="mensaje-exito" role="status">
                <p>{format!(
                    "Token de {} generado. Cópielo ahora: Veta no lo mostrará de nuevo.",
                    token.environment.label()
                )}</p>
                <p class="sha" data-token=token.secret.clone()>{token.secret.clone()}</p>
            </div>
        })}
        <h2>"Historial de token"</h2>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! {
                        <p>"Aún no ha generado tokens."</p>
                    }.into_any(),
                    Ok(rows) => view! {
                        <div class="tabla-contenedor">
                            <table class="tabla">
                                <thead><tr>
                                    <th>"Creación"</th><th>"Último uso"</th><th>"Ambiente"</th>
                                    <th>"Estado"</th><th>"Usuario"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{row.created}</td>
                                            <td>{row.last_used.unwrap_or_else(|| "nunca".to_owned())}</td>
                                            <td>{row.environment.label()}</td>
                                            <td>{row.state}</td>
                                            <td>{row.user}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `/produccion/cargues`: *Historial de cargue*.
#[component]
pub fn ProductionBatchesPage() -> impl IntoView {
    let batches = Resource::new(|| (), |_| list_production_batches());
    view! {
        <Title text="Historial de cargue" />
        <h1>"Reporte de producción: historial de cargue"</h1>
        <p class="ayuda">
            "Cada cargue recibido por el servicio web, con el resultado de cada registro. Los \
             cargues de pruebas se ven durante 8 días desde su recepción y luego se eliminan."
        </p>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match batches.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! {
                        <p>"Aún no hay cargues."</p>
                    }.into_any(),
                    Ok(rows) => rows.into_iter().map(batch_view).collect_view().into_any(),
                }
            })}
        </Transition>
    }
}

fn batch_view(batch: BatchRow) -> impl IntoView {
    let summary = format!(
        "{} · {} · {} registro(s): {} aceptado(s), {} duplicado(s), {} rechazado(s)",
        batch.received,
        batch.environment.label(),
        batch.total,
        batch.accepted,
        batch.duplicates,
        batch.rejected
    );
    view! {
        <details class="tarjeta cargue" data-cargue=batch.batch_id.to_string()>
            <summary>{summary}</summary>
            <p class="ayuda producto">{format!("Enviado por {}. Cargue {}", batch.user, batch.batch_id)}</p>
            <ul class="lista-simple">
                {batch.results.into_iter().map(|result| {
                    let title = format!(
                        "Registro {} · {} · {}",
                        result.indice + 1,
                        result.consecutivo.unwrap_or_else(|| "sin consecutivo".to_owned()),
                        result.estado.label()
                    );
                    view! {
                        <li class="producto" data-estado=result.estado.code()>
                            {title}
                            <ul class="errores-campo">
                                {result.errores.into_iter()
                                    .map(|error| view! { <li>{error.message}</li> })
                                    .collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}
