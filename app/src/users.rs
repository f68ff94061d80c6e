//! "Usuarios": an organisation's administrator invites users, changes their roles and
//! deactivates them. Every query is scoped to the administrator's own organisation.

use domain::{InvitationDraft, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues, SelectField};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user_id: Uuid,
    pub full_name: String,
    pub username: Option<String>,
    pub email: String,
    pub role: Role,
    pub active: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use sqlx::PgPool;
    use uuid::Uuid;

    use crate::auth::SignedInUser;
    use crate::auth::ssr::{pool, sessions};
    use crate::error::AppError;

    /// The signed-in administrator and its organisation; anyone else is refused.
    pub async fn admin() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
        let pool = pool()?;
        let user = sessions::require(&pool).await?;
        match (&user.organization, user.role.can_manage_users()) {
            (Some(organization), true) => {
                let organization_id = organization.organization_id;
                Ok((pool, user, organization_id))
            }
            _ => Err(AppError::Forbidden),
        }
    }

    /// An administrator may not lock itself out.
    pub fn not_self(admin: &SignedInUser, user_id: Uuid) -> Result<(), AppError> {
        if admin.user_id == user_id {
            Err(AppError::Refused(
                "No puede cambiar su propio rol ni desactivarse: pídaselo a otro administrador."
                    .to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

#[derive(sqlx::FromRow)]
#[cfg(feature = "ssr")]
struct UserRecord {
    user_id: Uuid,
    full_name: String,
    username: Option<String>,
    email: String,
    role: String,
    active: bool,
}

#[server(endpoint = "usuarios")]
pub async fn list_users() -> Result<Vec<UserRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::admin().await?;
            let records: Vec<UserRecord> = sqlx::query_as(
                "SELECT user_id, full_name, username, email, role, active
             FROM users WHERE organization_id = $1 ORDER BY full_name, email",
            )
            .bind(organization_id)
            .fetch_all(&pool)
            .await?;
            records
                .into_iter()
                .map(|r| {
                    Ok(UserRow {
                        user_id: r.user_id,
                        full_name: r.full_name,
                        username: r.username,
                        email: r.email,
                        role: Role::parse(&r.role).map_err(|_| AppError::Internal)?,
                        active: r.active,
                    })
                })
                .collect()
        }
        .await,
    )
}

#[server(endpoint = "usuarios/invitar")]
pub async fn invite_user(draft: InvitationDraft) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin, _) = ssr::admin().await?;
            crate::auth::ssr::invitation::invite(&pool, &admin, &draft).await
        }
        .await,
    )
}

#[server(endpoint = "usuarios/rol")]
pub async fn set_user_role(user_id: Uuid, role: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin, organization_id) = ssr::admin().await?;
            ssr::not_self(&admin, user_id)?;
            let role = Role::parse(&role)
                .ok()
                .filter(|role| !role.is_platform())
                .ok_or_else(|| {
                    AppError::Refused("Elija Administrador, Operador o Consulta.".to_owned())
                })?;
            let changed = sqlx::query(
                "UPDATE users SET role = $3 WHERE user_id = $1 AND organization_id = $2",
            )
            .bind(user_id)
            .bind(organization_id)
            .bind(role.code())
            .execute(&pool)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            record_change(&pool, &admin, user_id, organization_id, role.code()).await
        }
        .await,
    )
}

#[server(endpoint = "usuarios/activo")]
pub async fn set_user_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin, organization_id) = ssr::admin().await?;
            ssr::not_self(&admin, user_id)?;
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE users SET active = $3 WHERE user_id = $1 AND organization_id = $2",
            )
            .bind(user_id)
            .bind(organization_id)
            .bind(active)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            if !active {
                crate::auth::ssr::sessions::end_all(&mut tx, user_id).await?;
            }
            tx.commit().await?;
            record_change(
                &pool,
                &admin,
                user_id,
                organization_id,
                if active { "ACTIVO" } else { "INACTIVO" },
            )
            .await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn record_change(
    pool: &sqlx::PgPool,
    admin: &crate::auth::SignedInUser,
    user_id: Uuid,
    organization_id: Uuid,
    change: &str,
) -> Result<(), AppError> {
    use crate::auth::ssr::{audit, request};
    let address = request::client_address().await;
    let detail = format!("por {}: {change}", admin.user_id);
    audit::record(
        pool,
        audit::Entry::user(
            audit::AuthEvent::UsuarioModificado,
            user_id,
            Some(organization_id),
            &address,
        )
        .detail(&detail),
    )
    .await?;
    Ok(())
}

fn role_options() -> Vec<(String, String)> {
    Role::ORGANIZATION
        .iter()
        .map(|r| (r.code().to_owned(), r.label().to_owned()))
        .collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    // The list reloads after a change succeeds, never after a refusal: a refused invitation keeps
    // what was typed in the form.
    let reload = RwSignal::new(0u32);
    let users = Resource::new(move || reload.get(), |_| list_users());
    let table_state = FormState::new();
    // Kept here, not in the form: the form is rebuilt when the list reloads after an invitation.
    let invited = RwSignal::new(None::<String>);
    let pending_email = RwSignal::new(String::new());
    Effect::new(move |_| {
        for result in [set_role.value().get(), set_active.value().get()]
            .into_iter()
            .flatten()
        {
            match result {
                Ok(()) => {
                    table_state.clear();
                    reload.update(|n| *n += 1);
                }
                Err(error) => table_state.show(&error),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            invited.set(Some(pending_email.get_untracked()));
            reload.update(|n| *n += 1);
        }
    });

    view! {
        <Title text="Usuarios" />
        <h1>"Usuarios de la organización"</h1>
        {move || invited.get().map(|email| view! {
            <p class="mensaje-exito" role="status">"Invitación enviada a " {email} "."</p>
        })}
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(rows) => view! {
                        <FormMessage state=table_state />
                        <div class="tabla-contenedor">
                            <table class="tabla">
                                <thead><tr><th>"Nombre"</th><th>"Usuario"</th><th>"Correo"</th><th>"Rol"</th><th>"Estado"</th><th></th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| user_row(row, set_role, set_active)).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <InviteForm invite invited pending_email />
                    }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn user_row(
    row: UserRow,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
) -> impl IntoView {
    let UserRow {
        user_id,
        full_name,
        username,
        email,
        role,
        active,
    } = row;
    let label = format!("Rol de {full_name}");
    view! {
        <tr>
            <td>{full_name}</td>
            <td>{username.unwrap_or_else(|| "(invitación pendiente)".to_owned())}</td>
            <td>{email}</td>
            <td>
                <select aria-label=label on:change=move |ev| {
                    set_role.dispatch(SetUserRole { user_id, role: event_target_value(&ev) });
                }>
                    {Role::ORGANIZATION.iter().map(|r| view! {
                        <option value=r.code() selected=*r == role>{r.label()}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>{if active { "Activo" } else { "Inactivo" }}</td>
            <td>
                <button class="enlace" type="button" on:click=move |_| {
                    set_active.dispatch(SetUserActive { user_id, active: !active });
                }>{if active { "Desactivar" } else { "Activar" }}</button>
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(
    invite: ServerAction<InviteUser>,
    invited: RwSignal<Option<String>>,
    pending_email: RwSignal<String>,
) -> impl IntoView {
    let state = FormState::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = invite.value().get() {
            state.show(&error);
        }
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        let draft = InvitationDraft {
            full_name: form.get("full_name"),
            email: form.get("email"),
            mobile: form.get("mobile"),
            role: form.get("role"),
        };
        invited.set(None);
        if state.check(draft.validate()).is_some() {
            pending_email.set(draft.email.trim().to_lowercase());
            invite.dispatch(InviteUser { draft });
        }
    };
    view! {
        <section class="seccion-secundaria">
            <h2>"Invitar un usuario"</h2>
            <form class="formulario" on:submit=on_submit novalidate>
                <Field label="Nombres y apellidos" name="full_name" state required=true />
                <Field label="Correo electrónico" name="email" input_type="email" state required=true />
                <Field label="Celular" name="mobile" input_type="tel" state />
                <SelectField label="Rol" name="role" state required=true options=Signal::stored(role_options()) />
                <FormMessage state />
                <button class="boton" type="submit" disabled=move || invite.pending().get()>"Enviar invitación"</button>
            </form>
        </section>
    }
}

/// What a page shows instead of its content when the user may not see it.
#[component]
pub fn AccessMessage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        // Signed-out visitors are redirected to sign-in by the frame; that status stands.
        let status = match error {
            AppError::NotSignedIn => None,
            AppError::Forbidden => Some(http::StatusCode::FORBIDDEN),
            AppError::NotFound => Some(http::StatusCode::NOT_FOUND),
            AppError::Unavailable => Some(http::StatusCode::SERVICE_UNAVAILABLE),
            _ => Some(http::StatusCode::INTERNAL_SERVER_ERROR),
        };
        if let Some(status) = status {
            response.set_status(status);
        }
    }
    view! { <p class="mensaje-error" role="alert">{error.to_string()}</p> }
}
