//! "Alertas": what may be fraud (a purchase a seller did not recognise, codes guessed until a
//! block, a claim over an identity), in one list for the platform roles. The *Administrador OTTM*
//! is emailed when one is raised and marks it reviewed; the *Auditor ANM* reads it.

use domain::AlertKind;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{FormMessage, FormState};
use crate::users::AccessMessage;

/// Most alerts the page lists (newest first).
pub const ALERTS_PAGE_MAX: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub alert_id: i64,
    pub kind: AlertKind,
    pub organization: Option<String>,
    pub other_organization: Option<String>,
    pub detail: String,
    /// `DD/MM/AAAA HH:MM`.
    pub created: String,
    pub reviewed: bool,
    /// The signed-in user may mark it reviewed (the Administrador OTTM; the auditor reads).
    pub can_review: bool,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::{AlertKind, Role};
    use sqlx::PgConnection;
    use uuid::Uuid;

    use crate::auth::ssr::public_url;
    use crate::error::AppError;
    use crate::notify;

    /// An alert to raise.
    pub struct NewAlert {
        pub kind: AlertKind,
        /// The organisation it is about (the seller, the account's organisation…).
        pub organization_id: Option<Uuid>,
        /// The other party (the buyer).
        pub other_organization_id: Option<Uuid>,
        pub compra_id: Option<Uuid>,
        pub detail: String,
    }

    /// Records the alert and emails every active *Administrador OTTM*, in the caller's
    /// transaction.
    pub async fn raise(conn: &mut PgConnection, alert: NewAlert) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO alerts (kind, organization_id, other_organization_id, compra_id, detail)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(alert.kind.code())
        .bind(alert.organization_id)
        .bind(alert.other_organization_id)
        .bind(alert.compra_id)
        .bind(&alert.detail)
        .execute(&mut *conn)
        .await?;
        tell_ottm_admins(
            conn,
            format!("Alerta de Veta: {}", alert.kind.label()),
            &[format!("{}.", alert.kind.label()), alert.detail.clone()],
            ("Ver las alertas", "/alertas"),
        )
        .await
    }

    /// An email to every active *Administrador OTTM*, in the caller's transaction, with a button
    /// to `action`'s page (a path of this site).
    pub async fn tell_ottm_admins(
        conn: &mut PgConnection,
        subject: String,
        paragraphs: &[String],
        (label, path): (&str, &str),
    ) -> Result<(), AppError> {
        let admins: Vec<(String, String)> =
            sqlx::query_as("SELECT email, full_name FROM users WHERE role = $1 AND active")
                .bind(Role::AdministradorOttm.code())
                .fetch_all(&mut *conn)
                .await?;
        let url = format!("{}{path}", public_url()?.0);
        for (email, full_name) in admins {
            notify::enqueue_notice(
                conn,
                &notify::Notice {
                    to: &email,
                    name: &full_name,
                    recipient_lines: &[],
                    subject: subject.clone(),
                    paragraphs,
                    action: Some((label, &url)),
                },
                None,
            )
            .await?;
        }
        Ok(())
    }
}

/// A message the outbox gave up (a dead letter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterRow {
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub attempts: i32,
    pub reason: String,
    /// `DD/MM/AAAA HH:MM` of the message's creation.
    pub created: String,
}

/// Most dead letters the page lists (newest first).
pub const DEAD_LETTERS_PAGE_MAX: i64 = 100;

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct DeadLetterRecord {
    channel: String,
    recipient: String,
    subject: Option<String>,
    attempts: i32,
    dead_reason: Option<String>,
    created_at: time::OffsetDateTime,
}

/// The messages the outbox gave up, for the *Administrador OTTM*.
#[server(endpoint = "alertas/mensajes-no-entregados")]
pub async fn list_dead_letters() -> Result<Vec<DeadLetterRow>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            let pool = pool()?;
            let user = sessions::require(&pool).await?;
            if user.role != domain::Role::AdministradorOttm {
                return Err(AppError::Forbidden);
            }
            let records: Vec<DeadLetterRecord> = sqlx::query_as(
                "SELECT channel, recipient, subject, attempts, dead_reason, created_at FROM outbox
                 WHERE dead_at IS NOT NULL ORDER BY dead_at DESC LIMIT $1",
            )
            .bind(DEAD_LETTERS_PAGE_MAX)
            .fetch_all(&pool)
            .await?;
            Ok(records
                .into_iter()
                .map(|r| DeadLetterRow {
                    channel: r.channel,
                    recipient: r.recipient,
                    subject: r.subject,
                    attempts: r.attempts,
                    reason: r.dead_reason.unwrap_or_default(),
                    created: crate::saldos::ssr::fecha_hora(r.created_at),
                })
                .collect())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
#[derive(sqlx::FromRow)]
struct AlertRecord {
    alert_id: i64,
    kind: String,
    organization: Option<String>,
    other_organization: Option<String>,
    detail: String,
    created_at: time::OffsetDateTime,
    reviewed: bool,
}

/// The newest alerts, for the platform roles.
#[server(endpoint = "alertas")]
pub async fn list_alerts() -> Result<Vec<AlertRow>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            let pool = pool()?;
            let user = sessions::require_platform(&pool).await?;
            let records: Vec<AlertRecord> = sqlx::query_as(
                "SELECT a.alert_id, a.kind, o.razon_social AS organization,
                        p.razon_social AS other_organization, a.detail, a.created_at,
                        a.reviewed_at IS NOT NULL AS reviewed
                 FROM alerts a
                 LEFT JOIN organizations o ON o.organization_id = a.organization_id
                 LEFT JOIN organizations p ON p.organization_id = a.other_organization_id
                 ORDER BY a.created_at DESC, a.alert_id DESC LIMIT $1",
            )
            .bind(ALERTS_PAGE_MAX)
            .fetch_all(&pool)
            .await?;
            records
                .into_iter()
                .map(|r| {
                    Ok(AlertRow {
                        alert_id: r.alert_id,
                        kind: AlertKind::from_code(&r.kind).ok_or(AppError::Internal)?,
                        organization: r.organization,
                        other_organization: r.other_organization,
                        detail: r.detail,
                        created: crate::saldos::ssr::fecha_hora(r.created_at),
                        reviewed: r.reviewed,
                        can_review: user.role == domain::Role::AdministradorOttm,
                    })
                })
                .collect()
        }
        .await,
    )
}

/// The *Administrador OTTM* marks an alert reviewed.
#[server(endpoint = "alertas/revisar")]
pub async fn review_alert(alert_id: i64) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            let pool = pool()?;
            let user = sessions::require(&pool).await?;
            if user.role != domain::Role::AdministradorOttm {
                return Err(AppError::Forbidden);
            }
            let changed = sqlx::query(
                "UPDATE alerts SET reviewed_at = now(), reviewed_by = $2
                 WHERE alert_id = $1 AND reviewed_at IS NULL",
            )
            .bind(alert_id)
            .bind(user.user_id)
            .execute(&pool)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            Ok(())
        }
        .await,
    )
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let review = ServerAction::<ReviewAlert>::new();
    let alerts = Resource::new(move || review.version().get(), |_| list_alerts());
    let state = FormState::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = review.value().get() {
            state.show(&error);
        }
    });
    view! {
        <Title text="Alertas" />
        <h1>"Alertas"</h1>
        <p>"Compras que un vendedor no reconoció, códigos adivinados hasta un bloqueo y reclamaciones de documentos o títulos."</p>
        <FormMessage state />
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match alerts.await {
                    Ok(rows) if rows.is_empty() => view! { <p>"No hay alertas."</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="tabla-contenedor">
                            <table class="tabla">
                                <thead><tr>
                                    <th>"Fecha"</th><th>"Tipo"</th><th>"Organización"</th>
                                    <th>"Contraparte"</th><th>"Detalle"</th><th>"Estado"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let alert_id = row.alert_id;
                                        view! {
                                            <tr>
                                                <td>{row.created}</td>
                                                <td>{row.kind.label()}</td>
                                                <td>{row.organization}</td>
                                                <td>{row.other_organization}</td>
                                                <td>{row.detail}</td>
                                                <td>{if row.reviewed {
                                                    view! { "Revisada" }.into_any()
                                                } else if !row.can_review {
                                                    view! { "Abierta" }.into_any()
                                                } else {
                                                    view! {
                                                        <button class="enlace" type="button" on:click=move |_| {
                                                            review.dispatch(ReviewAlert { alert_id });
                                                        }>"Marcar revisada"</button>
                                                    }.into_any()
                                                }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Transition>
        <DeadLetters />
    }
}

/// The messages the outbox gave up, for the Administrador OTTM (others see nothing here).
#[component]
fn DeadLetters() -> impl IntoView {
    let letters = Resource::new(|| (), |_| list_dead_letters());
    view! {
        <Transition>
            {move || Suspend::new(async move {
                letters.await.ok().map(|rows| view! {
                    <h2>"Mensajes no entregados"</h2>
                    {if rows.is_empty() {
                        view! { <p>"Todos los mensajes salieron."</p> }.into_any()
                    } else {
                        view! {
                            <div class="tabla-contenedor">
                                <table class="tabla">
                                    <thead><tr>
                                        <th>"Creado"</th><th>"Canal"</th><th>"Destinatario"</th>
                                        <th>"Asunto"</th><th>"Intentos"</th><th>"Motivo"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|row| view! {
                                            <tr>
                                                <td>{row.created}</td><td>{row.channel}</td><td>{row.recipient}</td>
                                                <td>{row.subject}</td><td>{row.attempts}</td><td>{row.reason}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                })
            })}
        </Transition>
    }
}
