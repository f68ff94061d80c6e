//! "¿Olvidó su usuario o contraseña? Recupere aquí": a single-use, expiring link by email to
//! choose a new password (which also signs out every session).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues};

/// Validity of the recovery link.
pub const RECOVERY_LINK_MIN: i32 = 60;

/// Emails a recovery link when the account exists; answers the same either way.
#[server(endpoint = "recuperar")]
pub async fn request_password_reset(identifier: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::recovery::request(&ssr::pool()?, &identifier).await
        }
        .await,
    )
}

/// Sets a new password with a recovery link.
#[server(endpoint = "restablecer")]
pub async fn reset_password(
    token: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::recovery::reset(&ssr::pool()?, &token, &password, &confirmation).await
        }
        .await,
    )
}

#[component]
pub fn RecoverPage() -> impl IntoView {
    let state = FormState::new();
    let action = ServerAction::<RequestPasswordReset>::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = action.value().get() {
            state.show(&error);
        }
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        state.clear();
        action.dispatch(RequestPasswordReset {
            identifier: form.get("identifier"),
        });
    };
    view! {
        <Title text="Recuperar contraseña" />
        <h1>"Recuperar usuario o contraseña"</h1>
        <Show
            when=move || matches!(action.value().get(), Some(Ok(())))
            fallback=move || view! {
                <form class="formulario" on:submit=on_submit>
                    <Field label="Usuario / Correo electrónico" name="identifier" state required=true autocomplete="username" />
                    <FormMessage state />
                    <button class="boton" type="submit" disabled=move || action.pending().get()>"Enviar enlace"</button>
                </form>
            }
        >
            <p class="mensaje-exito" role="status">
                "Si existe una cuenta con ese usuario o correo, le enviamos un enlace para elegir una contraseña nueva. "
                "Vence en " {RECOVERY_LINK_MIN} " minutos y sirve una sola vez. El correo también le recuerda su nombre de usuario."
            </p>
        </Show>
        <p><A href="/ingresar">"Volver a ingresar"</A></p>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let state = FormState::new();
    let action = ServerAction::<ResetPassword>::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = action.value().get() {
            state.show(&error);
        }
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        let (password, confirmation) = (form.get("password"), form.get("confirmation"));
        let checked = domain::NewPassword::parse_confirmed(&password, &confirmation, &[]).map_err(
            |violation| domain::ValidationErrors::one("password", "Contraseña", &violation),
        );
        if state.check(checked).is_some() {
            action.dispatch(ResetPassword {
                token: token(),
                password,
                confirmation,
            });
        }
    };
    view! {
        <Title text="Nueva contraseña" />
        <h1>"Elija una contraseña nueva"</h1>
        <Show
            when=move || matches!(action.value().get(), Some(Ok(())))
            fallback=move || view! {
                <form class="formulario" on:submit=on_submit>
                    <Field label="Contraseña nueva" name="password" input_type="password" state required=true autocomplete="new-password"
                        hint="Al menos 10 caracteres." />
                    <Field label="Confirme la contraseña" name="confirmation" path="password" input_type="password" state required=true autocomplete="new-password" />
                    <FormMessage state />
                    <button class="boton" type="submit" disabled=move || action.pending().get()>"Guardar contraseña"</button>
                </form>
                <p><A href="/recuperar">"Solicitar un enlace nuevo"</A></p>
            }
        >
            <p class="mensaje-exito" role="status">
                "Su contraseña quedó actualizada y cerramos todas sus sesiones abiertas."
            </p>
            <p><A href="/ingresar">"Ingresar"</A></p>
        </Show>
    }
}
