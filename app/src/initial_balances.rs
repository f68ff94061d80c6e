//! *Registro de saldos iniciales* (`/saldos-iniciales`): an organisation declares the inventory it
//! holds when it starts on the platform (`domain::initial_balance`); the *Administrador OTTM*
//! approves it, which issues an origin code per lot (source `SALDO_INICIAL`) and posts one
//! `SALDO_INICIAL` posting, or rejects it with a reason. One declaration waits at a time; a
//! correction is a new declaration, approved like the first (its lots add to the first's).

use domain::initial_balance::{DeclarationDraft, DeclarationStatus, LotDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{
    BoundField, FieldMessages, FormMessage, FormState, browser_today, chosen_file, messages_for,
};
use crate::layout::CurrentUser;
use crate::users::AccessMessage;

/// A declaration as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationRow {
    pub declaration_id: Uuid,
    pub organization: String,
    pub as_of: String,
    pub sha256: String,
    /// Each lot as «ORO 1.500,0000 g», and its origin code once approved.
    pub lots: Vec<String>,
    pub status: DeclarationStatus,
    pub reason: Option<String>,
    /// `DD/MM/AAAA HH:MM`.
    pub created: String,
}

/// "Enviar declaración".
#[server(endpoint = "saldos-iniciales/declarar")]
pub async fn declare(draft: DeclarationDraft) -> Result<DeclarationRow, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::compras::ssr::buyer().await?;
            ssr::declare(&pool, user.user_id, organization_id, &draft).await
        }
        .await,
    )
}

/// The declarations the signed-in user may see: its organisation's, or, for the *Administrador
/// OTTM*, every one waiting for a decision.
#[server(endpoint = "saldos-iniciales")]
pub async fn list_declarations() -> Result<Vec<DeclarationRow>, AppError> {
    crate::error::with_status(async move { ssr::list().await }.await)
}

/// The *Administrador OTTM* approves (`approve`) or rejects (with `reason`) a declaration.
#[server(endpoint = "saldos-iniciales/decidir")]
pub async fn decide(
    declaration_id: Uuid,
    approve: bool,
    #[server(default)] reason: String,
) -> Result<DeclarationRow, AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin) = crate::approval::ssr::ottm_admin().await?;
            ssr::decide(&pool, admin.user_id, declaration_id, approve, &reason).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::codigo_origen::OriginSource;
    use domain::initial_balance::{
        Declaration, DeclarationDraft, DeclarationStatus, Lot, check_reason,
    };
    use domain::{BalanceKey, Fecha, Role, ValidationErrors};
    use sqlx::types::Json;
    use sqlx::{PgConnection, PgPool};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::DeclarationRow;
    use crate::auth::ssr::{pool, sessions};
    use crate::codigos_origen::ssr::NewCode;
    use crate::error::AppError;
    use crate::ledger::ssr::{Posting, PostingKind, PostingLine, post};
    use crate::notify;
    use crate::saldos::ssr::fecha_hora;

    /// Most declarations a list shows.
    const LIST_MAX: i64 = 200;

    #[derive(sqlx::FromRow)]
    struct Stored {
        declaration_id: Uuid,
        organization_id: Uuid,
        organization: String,
        as_of: time::Date,
        sha256: Vec<u8>,
        lots: Json<Vec<Lot>>,
        status: String,
        reason: Option<String>,
        created_at: OffsetDateTime,
        /// The origin code of each lot, once approved (in the lots' order).
        codes: Vec<String>,
    }

    const COLUMNS: &str = "d.declaration_id, d.organization_id, o.razon_social AS organization, \
        d.as_of, d.sha256, d.lots, d.status, d.reason, d.created_at, \
        coalesce((SELECT array_agg(c.codigo_origen::text ORDER BY m.sequence) FROM movements m \
                  JOIN origin_codes c ON c.codigo_origen = m.codigo_origen \
                  WHERE m.posting_id = d.posting_id), '{}') AS codes";

    impl Stored {
        fn row(self) -> Result<DeclarationRow, AppError> {
            let status = DeclarationStatus::from_code(&self.status).ok_or(AppError::Internal)?;
            let lots = self
                .lots
                .0
                .iter()
                .enumerate()
                .map(|(index, lot)| {
                    let mineral = lot.mineral;
                    let code = self
                        .codes
                        .get(index)
                        .map(|code| format!(" · código {code}"))
                        .unwrap_or_default();
                    format!(
                        "{} {} {}{code}",
                        mineral.name(),
                        lot.quantity,
                        mineral.unit()
                    )
                })
                .collect();
            Ok(DeclarationRow {
                declaration_id: self.declaration_id,
                organization: self.organization,
                as_of: Fecha::from_date(self.as_of).to_string(),
                sha256: hex(&self.sha256),
                lots,
                status,
                reason: self.reason,
                created: fecha_hora(self.created_at),
            })
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    async fn read(
        conn: &mut PgConnection,
        declaration_id: Uuid,
        lock: bool,
    ) -> Result<Stored, AppError> {
        let lock = if lock { "FOR UPDATE OF d" } else { "" };
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM initial_balance_declarations d
             JOIN organizations o ON o.organization_id = d.organization_id
             WHERE d.declaration_id = $1 {lock}"
        )))
        .bind(declaration_id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
    }

    /// Records a declaration, refused while another of the organisation waits.
    pub async fn declare(
        pool: &PgPool,
        user_id: Uuid,
        organization_id: Uuid,
        draft: &DeclarationDraft,
    ) -> Result<DeclarationRow, AppError> {
        let declaration: Declaration = draft
            .validate(crate::compras::ssr::today())
            .map_err(AppError::Invalid)?;
        let mut tx = pool.begin().await?;
        let declaration_id = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO initial_balance_declarations
                 (declaration_id, organization_id, declared_by, as_of, sha256, lots, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(declaration_id)
        .bind(organization_id)
        .bind(user_id)
        .bind(declaration.as_of.date())
        .bind(declaration.sha256.as_bytes().to_vec())
        .bind(Json(&declaration.lots))
        .bind(DeclarationStatus::Pendiente.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(AppError::Refused(
                "Su organización ya tiene una declaración de saldos iniciales pendiente de \
                 aprobación: espere la decisión del Administrador OTTM."
                    .to_owned(),
            ));
        }
        let row = read(&mut tx, declaration_id, false).await?.row()?;
        tx.commit().await?;
        Ok(row)
    }

    /// The signed-in organisation's declarations, or every pending one for the Administrador
    /// OTTM.
    pub async fn list() -> Result<Vec<DeclarationRow>, AppError> {
        let pool = pool()?;
        let user = sessions::require(&pool).await?;
        let (filter, organization_id) = match (&user.organization, user.role) {
            (_, Role::AdministradorOttm) => ("d.status = $1", None),
            (Some(organization), _) => {
                ("d.organization_id = $2", Some(organization.organization_id))
            }
            (None, _) => return Err(AppError::Forbidden),
        };
        let rows: Vec<Stored> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM initial_balance_declarations d
             JOIN organizations o ON o.organization_id = d.organization_id
             WHERE {filter} ORDER BY d.created_at DESC LIMIT $3"
        )))
        .bind(DeclarationStatus::Pendiente.code())
        .bind(organization_id)
        .bind(LIST_MAX)
        .fetch_all(&pool)
        .await?;
        rows.into_iter().map(Stored::row).collect()
    }

    /// Approves (posting every lot under a new origin code) or rejects (with the reason) a
    /// pending declaration; the organisation is told by email either way.
    pub async fn decide(
        pool: &PgPool,
        admin_id: Uuid,
        declaration_id: Uuid,
        approve: bool,
        reason: &str,
    ) -> Result<DeclarationRow, AppError> {
        let reason = if approve {
            None
        } else {
            Some(check_reason(reason).map_err(|error| {
                AppError::Invalid(ValidationErrors::one(
                    "reason",
                    "Motivo del rechazo",
                    &error,
                ))
            })?)
        };
        let mut tx = pool.begin().await?;
        let stored = read(&mut tx, declaration_id, true).await?;
        if stored.status != DeclarationStatus::Pendiente.code() {
            return Err(AppError::Refused(
                "Esta declaración ya fue decidida.".to_owned(),
            ));
        }
        let as_of = Fecha::from_date(stored.as_of);
        let (status, posting_id) = if approve {
            let mut lines = Vec::with_capacity(stored.lots.0.len());
            for lot in &stored.lots.0 {
                let code = NewCode {
                    holder: stored.organization_id,
                    mineral: lot.mineral,
                    source: OriginSource::SaldoInicial,
                    initial_quantity: Some(lot.quantity),
                    issued_on: as_of,
                }
                .issue_random(&mut tx)
                .await?;
                lines.push(PostingLine::credit(
                    stored.organization_id,
                    BalanceKey::new(code, lot.mineral),
                    lot.quantity,
                ));
            }
            let posting = Posting {
                kind: PostingKind::SaldoInicial,
                reference: format!("SALDO-INICIAL-{declaration_id}"),
                lines,
                reverses: None,
                operation_date: Some(as_of),
            };
            (
                DeclarationStatus::Aprobada,
                Some(post(&mut tx, &posting).await?.0),
            )
        } else {
            (DeclarationStatus::Rechazada, None)
        };
        sqlx::query(
            "UPDATE initial_balance_declarations
             SET status = $2, decided_at = now(), decided_by = $3, reason = $4, posting_id = $5
             WHERE declaration_id = $1",
        )
        .bind(declaration_id)
        .bind(status.code())
        .bind(admin_id)
        .bind(reason.as_deref())
        .bind(posting_id)
        .execute(&mut *tx)
        .await?;
        let lead = match &reason {
            None => format!(
                "El Administrador OTTM aprobó su declaración de saldos iniciales al {as_of}: cada \
                 lote tiene ahora su código de origen y su saldo."
            ),
            Some(reason) => format!(
                "El Administrador OTTM rechazó su declaración de saldos iniciales al {as_of}. \
                 Motivo: {reason}. Puede enviar una nueva declaración."
            ),
        };
        if approve {
            notify::enqueue_balances(&mut tx, &[stored.organization_id], &lead).await?;
        } else {
            tell_rejection(&mut tx, stored.organization_id, &lead).await?;
        }
        let row = read(&mut tx, declaration_id, false).await?.row()?;
        tx.commit().await?;
        Ok(row)
    }

    async fn tell_rejection(
        conn: &mut PgConnection,
        organization_id: Uuid,
        lead: &str,
    ) -> Result<(), AppError> {
        let (email, name): (Option<String>, String) = sqlx::query_as(
            "SELECT contact_email, razon_social FROM organizations WHERE organization_id = $1",
        )
        .bind(organization_id)
        .fetch_one(&mut *conn)
        .await?;
        if let Some(to) = email {
            notify::enqueue_notice(
                conn,
                &notify::Notice {
                    to: &to,
                    name: &name,
                    recipient_lines: &[],
                    subject: "Su declaración de saldos iniciales fue rechazada".to_owned(),
                    paragraphs: &[lead.to_owned()],
                    action: None,
                },
                None,
            )
            .await?;
        }
        Ok(())
    }
}

/// The page: the organisation's form and its declarations; the Administrador OTTM's pending list.
#[component]
pub fn InitialBalancesPage() -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let version = RwSignal::new(0u32);
    let rows = Resource::new(move || version.get(), |_| list_declarations());
    view! {
        <Title text="Registro de saldos iniciales" />
        <h1>"Registro de saldos iniciales"</h1>
        // The form stays while the list reloads (its "sent" notice with it).
        <Suspense>
            {move || Suspend::new(async move {
                let admin = user.await.ok().flatten().is_some_and(|u| u.role == domain::Role::AdministradorOttm);
                (!admin).then(|| view! { <DeclarationForm version /> })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                let admin = user.await.ok().flatten().is_some_and(|u| u.role == domain::Role::AdministradorOttm);
                let listed = match rows.await {
                    Ok(listed) => listed,
                    Err(error) => return view! { <AccessMessage error /> }.into_any(),
                };
                view! {
                    <h2>{if admin { "Declaraciones pendientes de aprobación" } else { "Sus declaraciones" }}</h2>
                    {listed.is_empty().then(|| view! { <p>"No hay declaraciones."</p> })}
                    {listed.into_iter().map(|row| view! { <DeclarationCard row admin version /> }).collect_view()}
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn DeclarationCard(row: DeclarationRow, admin: bool, version: RwSignal<u32>) -> impl IntoView {
    let state = FormState::new();
    let reason = RwSignal::new(String::new());
    let id = row.declaration_id;
    let decide_with = move |approve: bool| {
        let typed = reason.get_untracked();
        leptos::task::spawn_local(async move {
            match decide(id, approve, typed).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(error) => state.show(&error),
            }
        });
    };
    view! {
        <section class="tarjeta" data-declaracion=row.status.code()>
            <p><strong>{row.organization.clone()}</strong> {format!(" · inventario al {} · {}", row.as_of, row.status.label())}</p>
            <ul>{row.lots.iter().map(|lot| view! { <li>{lot.clone()}</li> }).collect_view()}</ul>
            <p class="ayuda sha">{format!("SHA-256 del certificado: {}", row.sha256)}</p>
            {row.reason.clone().map(|reason| view! { <p>{format!("Motivo del rechazo: {reason}")}</p> })}
            {(admin && row.status == DeclarationStatus::Pendiente).then(|| view! {
                <div class="campo">
                    <label for=format!("motivo-{id}")>"Motivo del rechazo"</label>
                    <input id=format!("motivo-{id}") type="text"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <FieldMessages state path="reason" />
                </div>
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" on:click=move |_| decide_with(true)>"Aprobar"</button>
                    <button type="button" class="boton boton-secundario" on:click=move |_| decide_with(false)>"Rechazar"</button>
                </p>
            })}
        </section>
    }
}

#[component]
fn DeclarationForm(version: RwSignal<u32>) -> impl IntoView {
    let state = FormState::new();
    let as_of = RwSignal::new(String::new());
    let sha256 = RwSignal::new(String::new());
    let lots = RwSignal::new(vec![LotDraft::default()]);
    let sent = RwSignal::new(false);
    let draft = move || DeclarationDraft {
        as_of: as_of.get_untracked(),
        sha256: sha256.get_untracked(),
        lots: lots.get_untracked(),
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                sha256.set(domain::Sha256Hex::of_bytes(&bytes).to_string());
            }
        });
    };
    let on_send = move |_| {
        let typed = draft();
        let today = browser_today();
        if state.check(typed.validate(today)).is_none() {
            return;
        }
        leptos::task::spawn_local(async move {
            match declare(typed).await {
                Ok(_) => {
                    state.clear();
                    sent.set(true);
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
        });
    };
    let minerals: Vec<String> = domain::Mineral::all()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    view! {
        <p class="ayuda">
            "Declare el inventario de minerales que su organización tiene al empezar en Veta, con el \
             certificado de inventario firmado por su contador. Cuando el Administrador OTTM la apruebe, \
             cada lote tendrá su código de origen y su saldo, y podrá venderlo."
        </p>
        {move || sent.get().then(|| view! {
            <p class="mensaje-exito" role="status">"Declaración enviada: queda pendiente de aprobación."</p>
        })}
        <form class="formulario" on:submit=|ev| ev.prevent_default()>
            <BoundField label="Fecha del inventario" path="as_of" state
                value=Signal::derive(move || as_of.get()) set=Callback::new(move |v| as_of.set(v))
                required=true hint="DD/MM/AAAA" />
            <div class="campo">
                <label for="campo-certificado">"Certificado de inventario firmado por el contador"</label>
                <input id="campo-certificado" type="file" on:change=on_file />
                <p class="ayuda">"Veta calcula en su navegador el código SHA-256 del archivo; el archivo no se envía."</p>
            </div>
            <BoundField label="Código SHA-256 del certificado" path="sha256" state
                value=Signal::derive(move || sha256.get()) set=Callback::new(move |v| sha256.set(v))
                required=true hint="64 caracteres hexadecimales." />
            {move || lots.get().into_iter().enumerate().map(|(index, lot)| {
                let set = move |apply: fn(&mut LotDraft, String)| {
                    move |ev: leptos::ev::Event| {
                        let typed = event_target_value(&ev);
                        lots.update_untracked(|lots| apply(&mut lots[index], typed));
                    }
                };
                let errors = move || {
                    ["mineral", "quantity", "unit"]
                        .iter()
                        .flat_map(|field| messages_for(state, &format!("lots[{index}].{field}")))
                        .collect::<Vec<_>>()
                };
                let minerals = minerals.clone();
                view! {
                    <fieldset class="linea">
                        <legend>{format!("Lote {}", index + 1)}</legend>
                        <label>"Mineral"
                            <select aria-label=format!("Mineral del lote {}", index + 1)
                                on:change=set(|lot, typed| lot.mineral = typed)>
                                <option value="" selected=lot.mineral.is_empty()>"Elija…"</option>
                                {minerals.into_iter().map(|name| {
                                    let selected = name == lot.mineral;
                                    view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Cantidad"
                            <input type="text" inputmode="decimal" prop:value=lot.quantity.clone()
                                aria-label=format!("Cantidad del lote {}", index + 1)
                                on:input=set(|lot, typed| lot.quantity = typed) />
                        </label>
                        <label>"Unidad"
                            <input type="text" prop:value=lot.unit.clone() placeholder="la del mineral"
                                aria-label=format!("Unidad del lote {}", index + 1)
                                on:input=set(|lot, typed| lot.unit = typed) />
                        </label>
                        <ul class="errores-campo">
                            {move || errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                        </ul>
                    </fieldset>
                }
            }).collect_view()}
            <FieldMessages state path="lots" />
            <p class="acciones">
                <button type="button" class="boton boton-claro"
                    on:click=move |_| lots.update(|lots| lots.push(LotDraft::default()))>"Agregar lote"</button>
                <button type="button" class="boton" on:click=on_send>"Enviar declaración"</button>
            </p>
            <FormMessage state />
        </form>
    }
}
