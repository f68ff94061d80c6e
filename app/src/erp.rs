//! *Integración ERP* (`/integracion-erp`): the tokens with which a buyer's ERP registers purchases
//! from subsistence miners through the buyer's API (`server::erp_api`, `/api/erp/v1/…`). The
//! organisation's administrator creates a token (shown once, stored as SHA-256) and revokes it;
//! each call acts for the organisation as the administrator who created the token.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{FieldMessages, FormMessage, FormState};
use crate::users::AccessMessage;

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub token_id: Uuid,
    pub name: String,
    pub created_by: String,
    /// `DD/MM/AAAA HH:MM`.
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

/// A token just created: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token_id: Uuid,
    pub secret: String,
}

/// Longest name of a token.
pub const TOKEN_NAME_MAX_CHARS: usize = 100;

#[server(endpoint = "erp/tokens")]
pub async fn list_tokens() -> Result<Vec<TokenRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = crate::approval::ssr::administrator().await?;
            ssr::list(&pool, organization_id).await
        }
        .await,
    )
}

#[server(endpoint = "erp/tokens/crear")]
pub async fn create_token(name: String) -> Result<NewToken, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::approval::ssr::administrator().await?;
            ssr::create(&pool, user.user_id, organization_id, &name).await
        }
        .await,
    )
}

#[server(endpoint = "erp/tokens/revocar")]
pub async fn revoke_token(token_id: Uuid) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = crate::approval::ssr::administrator().await?;
            ssr::revoke(&pool, organization_id, token_id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::{ApprovalStatus, FieldError, OrganizationKind, Role, ValidationErrors};
    use sqlx::PgPool;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::{NewToken, TOKEN_NAME_MAX_CHARS, TokenRow};
    use crate::auth::ssr::secrets;
    use crate::auth::{OrganizationSummary, SignedInUser};
    use crate::error::AppError;
    use crate::saldos::ssr::fecha_hora;

    /// Most tokens an organisation may hold unrevoked.
    const ACTIVE_TOKENS_MAX: i64 = 10;

    pub async fn list(pool: &PgPool, organization_id: Uuid) -> Result<Vec<TokenRow>, AppError> {
        let rows: Vec<(
            Uuid,
            String,
            String,
            OffsetDateTime,
            Option<OffsetDateTime>,
            bool,
        )> = sqlx::query_as(
            "SELECT t.token_id, t.name, u.full_name, t.created_at, t.last_used_at,
                        t.revoked_at IS NOT NULL
                 FROM api_tokens t JOIN users u ON u.user_id = t.created_by
                 WHERE t.organization_id = $1 ORDER BY t.created_at DESC LIMIT 100",
        )
        .bind(organization_id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(token_id, name, created_by, created, last_used, revoked)| TokenRow {
                    token_id,
                    name,
                    created_by,
                    created: fecha_hora(created),
                    last_used: last_used.map(fecha_hora),
                    revoked,
                },
            )
            .collect())
    }

    pub async fn create(
        pool: &PgPool,
        user_id: Uuid,
        organization_id: Uuid,
        name: &str,
    ) -> Result<NewToken, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX_CHARS {
            return Err(AppError::Invalid(ValidationErrors {
                errors: vec![FieldError {
                    field: "name".to_owned(),
                    code: "token_name_length".to_owned(),
                    message: format!(
                        "Nombre del token: escriba entre 1 y {TOKEN_NAME_MAX_CHARS} caracteres \
                         (p. ej. «ERP bodega Quibdó»)."
                    ),
                }],
            }));
        }
        let mut tx = pool.begin().await?;
        // Counted under a lock on the organisation: two requests cannot both take the last place.
        sqlx::query("SELECT 1 FROM organizations WHERE organization_id = $1 FOR NO KEY UPDATE")
            .bind(organization_id)
            .execute(&mut *tx)
            .await?;
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM api_tokens WHERE organization_id = $1 AND revoked_at IS NULL",
        )
        .bind(organization_id)
        .fetch_one(&mut *tx)
        .await?;
        if active >= ACTIVE_TOKENS_MAX {
            return Err(AppError::Refused(format!(
                "Su organización ya tiene {ACTIVE_TOKENS_MAX} tokens activos: revoque uno antes de \
                 crear otro."
            )));
        }
        let secret = secrets::new_secret();
        let token_id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO api_tokens (token_id, token_hash, organization_id, created_by, name)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_id)
        .bind(secrets::hash(&secret))
        .bind(organization_id)
        .bind(user_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewToken { token_id, secret })
    }

    pub async fn revoke(
        pool: &PgPool,
        organization_id: Uuid,
        token_id: Uuid,
    ) -> Result<(), AppError> {
        let updated = sqlx::query(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
             WHERE token_id = $1 AND organization_id = $2",
        )
        .bind(token_id)
        .bind(organization_id)
        .execute(pool)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// The organisation and the user an ERP's bearer token acts as: a token not revoked, of an
    /// approved organisation, created by a user still active who may register purchases. Records
    /// its use (at most once a minute).
    pub async fn authenticate(pool: &PgPool, secret: &str) -> Result<SignedInUser, AppError> {
        #[allow(clippy::type_complexity)]
        let found: Option<(Uuid, Uuid, String, String, String, String, String, String)> =
            sqlx::query_as(
                "UPDATE api_tokens t SET last_used_at = now()
                 FROM users u, organizations o
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.user_id = t.created_by
                   AND u.active AND o.organization_id = t.organization_id
                 RETURNING u.user_id, o.organization_id, t.name, u.role, o.razon_social, o.kind,
                           o.approval_status, u.full_name",
            )
            .bind(secrets::hash(secret))
            .fetch_optional(pool)
            .await?;
        let Some((user_id, organization_id, name, role, razon_social, kind, approval, full_name)) =
            found
        else {
            return Err(AppError::NotSignedIn);
        };
        let role = Role::parse(&role).map_err(|_| AppError::Internal)?;
        let approval = ApprovalStatus::from_code(&approval).map_err(|_| AppError::Internal)?;
        if !role.can_register_transactions() {
            return Err(AppError::Forbidden);
        }
        if !approval.may_trade() {
            return Err(crate::compras::ssr::not_approved(approval));
        }
        Ok(SignedInUser {
            user_id,
            full_name: format!("ERP «{name}» ({full_name})"),
            role,
            organization: Some(OrganizationSummary {
                organization_id,
                razon_social,
                kind: OrganizationKind::parse(&kind).map_err(|_| AppError::Internal)?,
                approval,
            }),
        })
    }
}

/// The page: the tokens, "Crear token" (its secret shown once) and "Revocar".
#[component]
pub fn ErpPage() -> impl IntoView {
    let state = FormState::new();
    let version = RwSignal::new(0u32);
    let tokens = Resource::new(move || version.get(), |_| list_tokens());
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<NewToken>);
    let on_create = move |_| {
        let typed = name.get_untracked();
        leptos::task::spawn_local(async move {
            match create_token(typed).await {
                Ok(token) => {
                    state.clear();
                    created.set(Some(token));
                    name.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
        });
    };
    let revoke = move |token_id: Uuid| {
        leptos::task::spawn_local(async move {
            match revoke_token(token_id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(error) => state.show(&error),
            }
        });
    };
    view! {
        <Title text="Integración ERP" />
        <h1>"Integración ERP"</h1>
        <p class="ayuda">
            "Con un token, el ERP de su organización registra compras a mineros de subsistencia por \
             la API de Veta (descripción OpenAPI en /api/erp/v1/openapi.json): cada llamada lleva \
             «Authorization: Bearer <token>» y actúa como el administrador que creó el token."
        </p>
        <form class="formulario" on:submit=|ev| ev.prevent_default()>
            <div class="campo">
                <label for="campo-name">"Nombre del token"</label>
                <input id="campo-name" type="text" maxlength="100" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
                <FieldMessages state path="name" />
            </div>
            <FormMessage state />
            <p class="acciones"><button type="button" class="boton" on:click=on_create>"Crear token"</button></p>
        </form>
        {move || created.get().map(|token| view! {
            <div class="mensaje-exito" role="status">
                <p>"Copie el token ahora: Veta no lo mostrará de nuevo."</p>
                <p class="sha" data-token=token.secret.clone()>{token.secret.clone()}</p>
            </div>
        })}
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(rows) => view! {
                        <div class="tabla-contenedor">
                            <table class="tabla">
                                <thead><tr><th>"Nombre"</th><th>"Creado por"</th><th>"Creado"</th><th>"Último uso"</th><th>""</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| {
                                        let id = row.token_id;
                                        view! {
                                            <tr>
                                                <td>{row.name}</td><td>{row.created_by}</td><td>{row.created}</td>
                                                <td>{row.last_used.unwrap_or_else(|| "nunca".to_owned())}</td>
                                                <td>{if row.revoked {
                                                    view! { <span>"Revocado"</span> }.into_any()
                                                } else {
                                                    view! { <button type="button" class="boton boton-secundario" on:click=move |_| revoke(id)>"Revocar"</button> }.into_any()
                                                }}</td>
                                            </tr>
                                        }
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
