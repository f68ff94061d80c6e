//! The invited user's side: the emailed link opens a form to choose a user name and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues};

/// Completes an invited account: user name and password; the email counts as verified.
#[server(endpoint = "invitacion")]
pub async fn accept_invitation(
    token: String,
    username: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::invitation::accept(&ssr::pool()?, &token, &username, &password, &confirmation)
                .await
        }
        .await,
    )
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let state = FormState::new();
    let action = ServerAction::<AcceptInvitation>::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = action.value().get() {
            state.show(&error);
        }
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        let (username, password, confirmation) = (
            form.get("username"),
            form.get("password"),
            form.get("confirmation"),
        );
        let mut errors = domain::ValidationErrors::default();
        if let Err(violation) = domain::Username::parse(&username) {
            errors.errors.push(domain::FieldError::from_violation(
                "username",
                "Nombre de usuario",
                &violation,
            ));
        }
        if let Err(violation) =
            domain::NewPassword::parse_confirmed(&password, &confirmation, &[&username])
        {
            errors.errors.push(domain::FieldError::from_violation(
                "password",
                "Contraseña",
                &violation,
            ));
        }
        let checked = if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        };
        if state.check(checked).is_some() {
            action.dispatch(AcceptInvitation {
                token: token(),
                username,
                password,
                confirmation,
            });
        }
    };
    view! {
        <Title text="Activar cuenta" />
        <h1>"Active su cuenta"</h1>
        <Show
            when=move || matches!(action.value().get(), Some(Ok(())))
            fallback=move || view! {
                <p>"Lo invitaron a Veta. Elija su nombre de usuario y su contraseña."</p>
                <form class="formulario" on:submit=on_submit>
                    <Field label="Nombre de usuario" name="username" state required=true autocomplete="username" />
                    <Field label="Contraseña" name="password" input_type="password" state required=true autocomplete="new-password"
                        hint="Al menos 10 caracteres." />
                    <Field label="Confirme la contraseña" name="confirmation" path="password" input_type="password" state required=true autocomplete="new-password" />
                    <FormMessage state />
                    <button class="boton" type="submit" disabled=move || action.pending().get()>"Activar cuenta"</button>
                </form>
            }
        >
            <p class="mensaje-exito" role="status">"Su cuenta quedó activa. Ya puede ingresar."</p>
            <p><A href="/ingresar">"Ingresar"</A></p>
        </Show>
    }
}
