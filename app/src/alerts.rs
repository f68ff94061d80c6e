//! "Alertas": what may be fraud (a purchase a seller did not recognise, codes guessed until a
//! block, a claim over an identity) and what the cross-checks found (a transformation's loss, a
//! title selling beyond its production, a trader buying beyond its capacity), in one list for the
//! platform roles, who filter it and mark each alert reviewed. The *Administrador OTTM* and the
//! *Auditor ANM* are emailed once when an alert is raised (the organisation too for the
//! cross-checks); an open alert found again only gets its figures updated.

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
    /// `DD/MM/AAAA HH:MM` of the last figures, when found again after it was raised.
    pub updated: Option<String>,
    pub reviewed: bool,
}

/// Which alerts the list shows; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFilter {
    /// An [`AlertKind`] code.
    #[serde(default)]
    pub kind: String,
    /// `ABIERTA` or `REVISADA`.
    #[serde(default)]
    pub estado: String,
    /// Part of the organisation's name (either party), accents and case ignored by the database.
    #[serde(default)]
    pub organizacion: String,
}

/// The states of an alert, as the filter names them.
pub const ESTADOS: [(&str, &str); 2] = [("ABIERTA", "Abierta"), ("REVISADA", "Revisada")];

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::{AlertKind, Role};
    use sqlx::PgConnection;
    use uuid::Uuid;

    use crate::auth::ssr::{PublicUrl, public_url};
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
        /// What it is about within its organisation (`T14292011-003/ORO/2026-11`, a year): while
        /// an alert of the same kind, organisation and subject is open, raising it again only
        /// updates its detail and emails no one. `None`: every raise is an alert of its own.
        pub subject: Option<String>,
    }

    /// Records the alert and, the first time, emails every active *Administrador OTTM* and
    /// *Auditor ANM* (and the organisation's contact when [`AlertKind::tells_the_organization`]),
    /// in the caller's transaction.
    /// Needs the Leptos context (a server function); elsewhere use [`raise_at`].
    pub async fn raise(conn: &mut PgConnection, alert: NewAlert) -> Result<(), AppError> {
        raise_at(conn, &public_url()?, alert).await
    }

    /// [`raise`], with the site's address given (links in the emails), for callers outside a
    /// server function (the machine APIs, jobs).
    pub async fn raise_at(
        conn: &mut PgConnection,
        site: &PublicUrl,
        alert: NewAlert,
    ) -> Result<(), AppError> {
        let inserted: bool = sqlx::query_scalar(
            "INSERT INTO alerts (kind, organization_id, other_organization_id, compra_id, detail, subject)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, organization_id, subject) WHERE reviewed_at IS NULL AND subject IS NOT NULL
             DO UPDATE SET detail = EXCLUDED.detail,
                           compra_id = coalesce(EXCLUDED.compra_id, alerts.compra_id),
                           updated_at = now()
             RETURNING xmax = 0",
        )
        .bind(alert.kind.code())
        .bind(alert.organization_id)
        .bind(alert.other_organization_id)
        .bind(alert.compra_id)
        .bind(&alert.detail)
        .bind(&alert.subject)
        .fetch_one(&mut *conn)
        .await?;
        if !inserted {
            return Ok(());
        }
        let subject = format!("Alerta de Veta: {}", alert.kind.label());
        let paragraphs = [format!("{}.", alert.kind.label()), alert.detail.clone()];
        tell(
            conn,
            site,
            &[Role::AdministradorOttm, Role::AuditorAnm],
            subject.clone(),
            &paragraphs,
            ("Ver las alertas", "/alertas"),
        )
        .await?;
        if let Some(organization_id) = alert
            .organization_id
            .filter(|_| alert.kind.tells_the_organization())
        {
            let (email, razon_social): (String, String) = sqlx::query_as(
                "SELECT contact_email, razon_social FROM organizations WHERE organization_id = $1",
            )
            .bind(organization_id)
            .fetch_one(&mut *conn)
            .await?;
            notify::enqueue_notice(
                conn,
                &notify::Notice {
                    to: &email,
                    name: &razon_social,
                    recipient_lines: &[],
                    subject,
                    paragraphs: &paragraphs,
                    action: None,
                },
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// An email to every active *Administrador OTTM*, in the caller's transaction, with a button
    /// to `action`'s page (a path of this site).
    pub async fn tell_ottm_admins(
        conn: &mut PgConnection,
        subject: String,
        paragraphs: &[String],
        action: (&str, &str),
    ) -> Result<(), AppError> {
        tell(
            conn,
            &public_url()?,
            &[Role::AdministradorOttm],
            subject,
            paragraphs,
            action,
        )
        .await
    }

    /// An email to every active user of `roles` (platform roles), with a button to `action`.
    async fn tell(
        conn: &mut PgConnection,
        site: &PublicUrl,
        roles: &[Role],
        subject: String,
        paragraphs: &[String],
        (label, path): (&str, &str),
    ) -> Result<(), AppError> {
        let roles: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let admins: Vec<(String, String)> =
            sqlx::query_as("SELECT email, full_name FROM users WHERE role = ANY($1) AND active")
                .bind(&roles)
                .fetch_all(&mut *conn)
                .await?;
        let url = format!("{}{path}", site.0);
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
    updated_at: time::OffsetDateTime,
    reviewed: bool,
}

/// The newest alerts that pass `filter`, for the platform roles.
#[server(endpoint = "alertas")]
pub async fn list_alerts(filter: AlertFilter) -> Result<Vec<AlertRow>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            let pool = pool()?;
            sessions::require_platform(&pool).await?;
            let kind = match filter.kind.as_str() {
                "" => None,
                code => Some(AlertKind::from_code(code).ok_or(AppError::NotFound)?.code()),
            };
            let reviewed = match filter.estado.as_str() {
                "" => None,
                estado => Some(
                    ESTADOS
                        .iter()
                        .position(|(code, _)| *code == estado)
                        .ok_or(AppError::NotFound)?
                        == 1,
                ),
            };
            let organization = filter.organizacion.trim();
            let records: Vec<AlertRecord> = sqlx::query_as(
                "SELECT a.alert_id, a.kind, o.razon_social AS organization,
                        p.razon_social AS other_organization, a.detail, a.created_at, a.updated_at,
                        a.reviewed_at IS NOT NULL AS reviewed
                 FROM alerts a
                 LEFT JOIN organizations o ON o.organization_id = a.organization_id
                 LEFT JOIN organizations p ON p.organization_id = a.other_organization_id
                 WHERE ($2::text IS NULL OR a.kind = $2)
                   AND ($3::bool IS NULL OR (a.reviewed_at IS NOT NULL) = $3)
                   AND ($4 = '' OR o.razon_social ILIKE '%' || $4 || '%' OR p.razon_social ILIKE '%' || $4 || '%')
                 ORDER BY a.created_at DESC, a.alert_id DESC LIMIT $1",
            )
            .bind(ALERTS_PAGE_MAX)
            .bind(kind)
            .bind(reviewed)
            .bind(organization.replace(['%', '_', '\\'], ""))
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
                        updated: (r.updated_at > r.created_at)
                            .then(|| crate::saldos::ssr::fecha_hora(r.updated_at)),
                        reviewed: r.reviewed,
                    })
                })
                .collect()
        }
        .await,
    )
}

/// A platform role (the *Administrador OTTM* or the *Auditor ANM*) marks an alert reviewed.
#[server(endpoint = "alertas/revisar")]
pub async fn review_alert(alert_id: i64) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, sessions};
            let pool = pool()?;
            let user = sessions::require_platform(&pool).await?;
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
    let filter = RwSignal::new(AlertFilter {
        estado: ESTADOS[0].0.to_owned(),
        ..AlertFilter::default()
    });
    let alerts = Resource::new(
        move || (filter.get(), review.version().get()),
        |(filter, _)| list_alerts(filter),
    );
    let state = FormState::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = review.value().get() {
            state.show(&error);
        }
    });
    view! {
        <Title text="Alertas" />
        <h1>"Alertas"</h1>
        <p>
            "Compras que un vendedor no reconoció, códigos adivinados hasta un bloqueo, reclamaciones \
             de documentos o títulos, pérdidas de transformación, ventas de un título por encima de \
             su producción y compras por encima de la capacidad económica."
        </p>
        <AlertFilterForm filter />
        <FormMessage state />
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match alerts.await {
                    Ok(rows) if rows.is_empty() => view! { <p>"No hay alertas con estos filtros."</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="tabla-contenedor">
                            <table class="tabla" data-testid="alertas">
                                <thead><tr>
                                    <th>"Fecha"</th><th>"Tipo"</th><th>"Organización"</th>
                                    <th>"Contraparte"</th><th>"Detalle"</th><th>"Estado"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let alert_id = row.alert_id;
                                        view! {
                                            <tr>
                                                <td>{row.created}{row.updated.map(|u| format!(" (cifras del {u})"))}</td>
                                                <td>{row.kind.label()}</td>
                                                <td>{row.organization}</td>
                                                <td>{row.other_organization}</td>
                                                <td>{row.detail}</td>
                                                <td>{if row.reviewed {
                                                    view! { "Revisada" }.into_any()
                                                } else {
                                                    view! {
                                                        "Abierta "
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

/// Kind, state and organisation: each change lists again.
#[component]
fn AlertFilterForm(filter: RwSignal<AlertFilter>) -> impl IntoView {
    view! {
        <form class="filtros" on:submit=|ev| ev.prevent_default()>
            <label>"Tipo"
                <select on:change=move |ev| filter.update(|f| f.kind = event_target_value(&ev))>
                    <option value="">"Todos"</option>
                    {AlertKind::ALL.into_iter().map(|kind| view! {
                        <option value=kind.code()>{kind.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Estado"
                <select on:change=move |ev| filter.update(|f| f.estado = event_target_value(&ev))>
                    {ESTADOS.into_iter().map(|(code, label)| view! {
                        <option value=code selected=move || filter.with(|f| f.estado == code)>{label}</option>
                    }).collect_view()}
                    <option value="">"Todas"</option>
                </select>
            </label>
            <label>"Organización"
                <input type="search" on:change=move |ev| filter.update(|f| f.organizacion = event_target_value(&ev)) />
            </label>
        </form>
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
