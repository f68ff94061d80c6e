//! "Saldos" and "Reenviar saldos actualizados": an organisation's own balances (origin code,
//! mineral, quantity, unit, last movement), the movements behind each, and the balances email with
//! the balances TXT attached (the file a seller fills in and its buyer uploads). Every read is
//! scoped to the signed-in user's organisation; the platform roles have "Verificación del libro".

use domain::codigo_origen::OriginSource;
use domain::{Mineral, MovementKind, Quantity, Unit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::users::AccessMessage;

/// One balance, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaldoRow {
    pub codigo_origen: String,
    pub mineral: Mineral,
    pub quantity: Quantity,
    pub unit: Unit,
    /// Where the code's mineral came from (a balance without identified origin says so).
    pub source: OriginSource,
    /// `DD/MM/AAAA HH:MM`, Bogotá time.
    pub last_movement: String,
}

/// One movement behind a balance, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovimientoRow {
    /// `DD/MM/AAAA HH:MM`, Bogotá time.
    pub fecha: String,
    pub kind: MovementKind,
    pub mineral: Mineral,
    pub unit: Unit,
    /// Signed: negative takes from the balance.
    pub delta: Decimal,
    pub reference: String,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::balances_txt::{TXT_MAX_BYTES, write_balances_txt};
    use domain::codigo_origen::OriginSource;
    use domain::{BalanceEntry, BalanceRow, Fecha};
    use sqlx::PgPool;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use crate::auth::SignedInUser;
    use crate::auth::ssr::{PublicUrl, pool, public_url, sessions};
    use crate::error::AppError;
    use crate::ledger::ssr::holdings_of;
    use crate::notify::{self, Attachment, BOGOTA, OutgoingEmail};

    /// Most balances emails one organisation may ask for per hour (each may go to two addresses
    /// and carries a file: the button must not become a way to flood an inbox).
    pub const RESEND_PER_HOUR_MAX: i64 = 5;

    /// The signed-in user of an organisation (Administrador, Operador or Consulta) and its
    /// organisation; the platform roles are refused.
    pub async fn organization_user() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
        let pool = pool()?;
        let user = sessions::require(&pool).await?;
        match (&user.organization, user.role.is_platform()) {
            (Some(organization), false) => {
                let organization_id = organization.organization_id;
                Ok((pool, user, organization_id))
            }
            _ => Err(AppError::Forbidden),
        }
    }

    /// `DD/MM/AAAA HH:MM` in Bogotá time.
    pub fn fecha_hora(at: OffsetDateTime) -> String {
        let at = at.to_offset(BOGOTA);
        format!(
            "{:02}/{:02}/{} {:02}:{:02}",
            at.day(),
            u8::from(at.month()),
            at.year(),
            at.hour(),
            at.minute()
        )
    }

    /// The organisation's positive balances in key order, each with its code's origin and the
    /// time it last moved.
    pub async fn saldos(
        pool: &PgPool,
        organization_id: Uuid,
    ) -> Result<Vec<(BalanceEntry, OriginSource, OffsetDateTime)>, AppError> {
        Ok(holdings_of(pool, organization_id).await?)
    }

    /// An organisation's balances email: its current balances listed, the balances TXT
    /// attached; `lead` is a paragraph put before them (why the email is sent).
    pub struct BalancesMessage {
        pub razon_social: String,
        pub contact_email: String,
        subject: String,
        text: String,
        html: String,
        attachment: Attachment,
    }

    impl BalancesMessage {
        /// The email to one address.
        pub fn to(&self, to: &str, name: &str) -> OutgoingEmail {
            OutgoingEmail {
                to: to.to_owned(),
                to_name: Some(name.to_owned()),
                subject: self.subject.clone(),
                text: self.text.clone(),
                html: self.html.clone(),
                attachment: Some(self.attachment.clone()),
            }
        }
    }

    /// What a balances email shows of an organisation, read once: the outbox worker composes
    /// every balances email of one organisation in a batch from one sheet.
    pub struct BalancesSheet {
        razon_social: String,
        document_type: String,
        document_number: String,
        contact_email: String,
        saldos: Vec<(BalanceEntry, OriginSource, OffsetDateTime)>,
    }

    /// Reads the organisation's [`BalancesSheet`] (two statements).
    pub async fn balances_sheet(
        pool: &PgPool,
        organization_id: Uuid,
    ) -> Result<BalancesSheet, AppError> {
        let (razon_social, document_type, document_number, contact_email) = sqlx::query_as(
            "SELECT razon_social, document_type, document_number, contact_email
             FROM organizations WHERE organization_id = $1",
        )
        .bind(organization_id)
        .fetch_one(pool)
        .await?;
        Ok(BalancesSheet {
            razon_social,
            document_type,
            document_number,
            contact_email,
            saldos: saldos(pool, organization_id).await?,
        })
    }

    /// Writes the organisation's balances email (see [`BalancesMessage`]).
    pub async fn balances_message(
        pool: &PgPool,
        public_url: &PublicUrl,
        organization_id: Uuid,
        lead: Option<String>,
    ) -> Result<BalancesMessage, AppError> {
        balances_sheet(pool, organization_id).await?.message(
            public_url,
            lead,
            OffsetDateTime::now_utc(),
        )
    }

    impl BalancesSheet {
        /// The balances email of this sheet, written at `now`, `lead` first.
        pub fn message(
            &self,
            public_url: &PublicUrl,
            lead: Option<String>,
            now: OffsetDateTime,
        ) -> Result<BalancesMessage, AppError> {
            let BalancesSheet {
                razon_social,
                document_type,
                document_number,
                contact_email,
                saldos,
            } = self;
            let rows: Vec<BalanceRow> = saldos
                .iter()
                .map(|(entry, _, at)| BalanceRow {
                    codigo_origen: entry.codigo_origen,
                    mineral: entry.mineral,
                    disponible: entry.quantity,
                    unit: entry.unit,
                    fecha: Fecha::from_date(at.to_offset(BOGOTA).date()),
                    sale: None,
                })
                .collect();
            let txt = write_balances_txt(&rows);
            if txt.len() > TXT_MAX_BYTES {
                return Err(AppError::Refused(
                    "Sus saldos no caben en un archivo TXT de 1 MB: consúltelos en la página Saldos."
                        .to_owned(),
                ));
            }
            let today = now.to_offset(BOGOTA).date();
            // A plain file name (the outbox CHECK): the document without anything but letters,
            // digits and hyphens.
            let document: String = document_number
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let file_name = format!(
                "saldos_{document}_{:04}{:02}{:02}.txt",
                today.year(),
                u8::from(today.month()),
                today.day()
            );

            let lines: Vec<String> = saldos
                .iter()
                .map(|(entry, _, at)| {
                    format!(
                        "{} · {} · {} {} · último movimiento {}",
                        entry.codigo_origen,
                        entry.mineral.name(),
                        entry.quantity,
                        entry.unit.code(),
                        fecha_hora(*at)
                    )
                })
                .collect();
            let listing = if lines.is_empty() {
                "Sus saldos actualizados: no tiene saldos disponibles en este momento.".to_owned()
            } else {
                format!(
                    "Sus saldos actualizados, por código de origen:\n{}",
                    lines.join("\n")
                )
            };
            let paragraphs: Vec<String> = lead
                .into_iter()
                .chain([
                    listing,
                    format!(
                        "Adjuntamos el archivo {file_name} con estos saldos. Para vender desde ellos, \
                         escriba en la columna CANTIDAD_VENTA la cantidad de cada código de origen y \
                         entregue el archivo a su comprador, que lo carga en Veta."
                    ),
                ])
                .collect();
            let document_line = format!("{document_type} {document_number}");
            let saldos_url = format!("{}/saldos", public_url.0);
            let (text, html) = notify::notification(
                razon_social,
                &[&document_line],
                &paragraphs,
                Some(("Ver mis saldos", &saldos_url)),
                now,
            );
            Ok(BalancesMessage {
                subject: format!("Saldos actualizados de {razon_social}"),
                razon_social: razon_social.clone(),
                contact_email: contact_email.clone(),
                text,
                html,
                attachment: Attachment {
                    name: file_name,
                    content_type: "text/plain; charset=utf-8".to_owned(),
                    content: txt.into_bytes(),
                },
            })
        }
    }

    /// Writes the balances email, with the balances TXT attached, to the organisation's contact
    /// address and to the user's own if different; at most [`RESEND_PER_HOUR_MAX`] per hour.
    /// Answers the addresses.
    pub async fn resend(
        pool: &PgPool,
        user: &SignedInUser,
        organization_id: Uuid,
    ) -> Result<Vec<String>, AppError> {
        let message = balances_message(pool, &public_url()?, organization_id, None).await?;
        let user_email: String = sqlx::query_scalar("SELECT email FROM users WHERE user_id = $1")
            .bind(user.user_id)
            .fetch_one(pool)
            .await?;
        let mut recipients = vec![(message.contact_email.clone(), message.razon_social.clone())];
        if !user_email.eq_ignore_ascii_case(&recipients[0].0) {
            recipients.push((user_email, user.full_name.clone()));
        }

        let mut tx = pool.begin().await?;
        // One request at a time per organisation, so that two clicks cannot both pass the count.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("reenviar-saldos:{organization_id}"))
            .execute(&mut *tx)
            .await?;
        // Every resend writes exactly one row to the contact address: those rows are the count.
        let recent: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox
             WHERE channel = $2 AND recipient = $1 AND attachment_name LIKE 'saldos\\_%'
               AND created_at > now() - interval '1 hour'",
        )
        .bind(&recipients[0].0)
        .bind(crate::notify::Channel::Email.code())
        .fetch_one(&mut *tx)
        .await?;
        if recent >= RESEND_PER_HOUR_MAX {
            return Err(AppError::Throttled(format!(
                "Ya se reenviaron sus saldos {RESEND_PER_HOUR_MAX} veces en la última hora. \
                 Intente de nuevo más tarde."
            )));
        }
        for (to, name) in &recipients {
            notify::enqueue_email(&mut tx, &message.to(to, name)).await?;
        }
        tx.commit().await?;
        tracing::info!(
            user_id = %user.user_id,
            %organization_id,
            recipients = recipients.len(),
            "saldos reenviados"
        );
        Ok(recipients.into_iter().map(|(to, _)| to).collect())
    }
}

/// The signed-in organisation's balances, in key order.
#[server(endpoint = "saldos")]
pub async fn list_balances() -> Result<Vec<SaldoRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::organization_user().await?;
            Ok(ssr::saldos(&pool, organization_id)
                .await?
                .into_iter()
                .map(|(entry, source, at)| SaldoRow {
                    codigo_origen: entry.codigo_origen.to_string(),
                    mineral: entry.mineral,
                    quantity: entry.quantity,
                    unit: entry.unit,
                    source,
                    last_movement: ssr::fecha_hora(at),
                })
                .collect())
        }
        .await,
    )
}

/// The organisation's movements under one origin code, newest first. A code it never held does
/// not exist for it.
#[server(endpoint = "saldos/movimientos")]
pub async fn list_movements(codigo_origen: String) -> Result<Vec<MovimientoRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::organization_user().await?;
            let code =
                domain::CodigoOrigen::parse(&codigo_origen).map_err(|_| AppError::NotFound)?;
            let movements = crate::ledger::ssr::movements_of(&pool, organization_id, code).await?;
            if movements.is_empty() {
                return Err(AppError::NotFound);
            }
            movements
                .into_iter()
                .map(|m| {
                    let at = time::OffsetDateTime::from_unix_timestamp_nanos(
                        i128::from(m.recorded_at_unix_micros) * 1_000,
                    )
                    .map_err(|_| AppError::Internal)?;
                    Ok(MovimientoRow {
                        fecha: ssr::fecha_hora(at),
                        kind: m.kind,
                        mineral: m.mineral,
                        unit: m.unit,
                        delta: m.delta,
                        reference: m.reference,
                    })
                })
                .collect()
        }
        .await,
    )
}

/// Emails the organisation's current balances with the balances TXT attached; answers the
/// addresses written to.
#[server(endpoint = "saldos/reenviar")]
pub async fn resend_balances() -> Result<Vec<String>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = ssr::organization_user().await?;
            ssr::resend(&pool, &user, organization_id).await
        }
        .await,
    )
}

/// The movement, in words.
fn kind_label(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::SaldoInicial => "Saldo inicial",
        MovementKind::CompraSalida => "Venta",
        MovementKind::CompraEntrada => "Compra",
        MovementKind::ReversionCompraSalida => "Reversión de venta",
        MovementKind::ReversionCompraEntrada => "Reversión de compra",
        MovementKind::TransformacionConsumo => "Transformación (consumo)",
        MovementKind::TransformacionProducto => "Transformación (producto)",
        MovementKind::ReversionTransformacionConsumo => "Reversión de transformación (consumo)",
        MovementKind::ReversionTransformacionProducto => "Reversión de transformación (producto)",
    }
}

/// `+500,0000` / `-30,0000`.
fn signed(delta: Decimal) -> String {
    let shown = domain::number::format_es_co(delta, Some(4));
    if delta.is_sign_positive() && !delta.is_zero() {
        format!("+{shown}")
    } else {
        shown
    }
}

/// "Saldos": the organisation's balances, each linking to its movements.
#[component]
pub fn BalancesPage() -> impl IntoView {
    let balances = Resource::new(|| (), |_| list_balances());
    view! {
        <Title text="Saldos" />
        <h1>"Saldos"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match balances.await {
                    Ok(rows) => view! { <BalancesTable rows /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BalancesTable(rows: Vec<SaldoRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>"Su organización no tiene saldos disponibles."</p> }.into_any();
    }
    view! {
        <p>"Elija un código de origen para ver los movimientos de su saldo."</p>
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr>
                    <th>"Código de origen"</th><th>"Mineral"</th><th>"Cantidad"</th>
                    <th>"Unidad"</th><th>"Procedencia"</th><th>"Último movimiento"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| { let trail = format!("/trazabilidad/{}", row.codigo_origen); view! {
                        <tr>
                            <td>
                                <A href=format!("/saldos/{}", row.codigo_origen)>
                                    {row.codigo_origen.clone()}
                                </A>
                            </td>
                            <td>{row.mineral.name()}</td>
                            <td>{row.quantity.to_string()}</td>
                            <td>{row.unit.code()}</td>
                            <td data-procedencia=row.source.code()>
                                <A href=trail>{row.source.label()}</A>
                            </td>
                            <td>{row.last_movement}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The movements behind one origin code's balances (`/saldos/:codigo`).
#[component]
pub fn MovementsPage() -> impl IntoView {
    let params = use_params_map();
    let codigo = move || params.read().get("codigo").unwrap_or_default();
    let movements = Resource::new(codigo, list_movements);
    view! {
        <Title text=move || format!("Movimientos {}", codigo()) />
        <h1>{move || format!("Movimientos del código de origen {}", codigo())}</h1>
        <p><A href="/saldos">"← Volver a Saldos"</A></p>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match movements.await {
                    Ok(rows) => view! { <MovementsTable rows /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MovementsTable(rows: Vec<MovimientoRow>) -> impl IntoView {
    view! {
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr>
                    <th>"Fecha"</th><th>"Tipo"</th><th>"Mineral"</th>
                    <th>"Cantidad"</th><th>"Referencia"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            <td>{row.fecha}</td>
                            <td>{kind_label(row.kind)}</td>
                            <td>{row.mineral.name()}</td>
                            <td>{format!("{} {}", signed(row.delta), row.unit.code())}</td>
                            <td>{row.reference}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// "Reenviar saldos actualizados": the balances email, with its TXT, on demand.
#[component]
pub fn ResendBalancesPage() -> impl IntoView {
    let resend = ServerAction::<ResendBalances>::new();
    view! {
        <Title text="Reenviar saldos actualizados" />
        <h1>"Reenviar saldos actualizados"</h1>
        <p>
            "Le enviamos por correo los saldos actuales de su organización, por código de origen, "
            "con el archivo TXT de saldos adjunto: para vender, escriba en él la cantidad de cada "
            "código en la columna CANTIDAD_VENTA y entrégueselo a su comprador, que lo carga en Veta."
        </p>
        <p>
            "El correo va a la dirección de contacto de la organización y a la suya, si es otra."
        </p>
        <button class="boton" type="button" disabled=move || resend.pending().get()
            on:click=move |_| { resend.dispatch(ResendBalances {}); }>
            {move || if resend.pending().get() { "Enviando…" } else { "Reenviar saldos actualizados" }}
        </button>
        {move || resend.value().get().map(|result| match result {
            Ok(recipients) => view! {
                <p class="mensaje-exito" role="status">
                    {format!("Le enviamos sus saldos a {}.", recipients.join(" y "))}
                </p>
            }.into_any(),
            Err(error) => view! {
                <p class="mensaje-error" role="alert">{error.to_string()}</p>
            }.into_any(),
        })}
    }
}
