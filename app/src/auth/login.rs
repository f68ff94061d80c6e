//! "Acceso al módulo del OTTM" (seed 000, steps 1 and 2): user or email and password, then the
//! code sent by email or SMS ("Autenticación de doble factor"), and signing out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues};

/// Checks the password and sends the code; the browser keeps the pending sign-in in a cookie.
#[server(endpoint = "ingresar")]
pub async fn login(identifier: String, password: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::signin::password_step(&ssr::pool()?, &identifier, password).await
        }
        .await,
    )
}

/// Checks the code; on success the browser is signed in.
#[server(endpoint = "ingresar/codigo")]
pub async fn verify_code(code: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::signin::code_step(&ssr::pool()?, &code).await
        }
        .await,
    )
}

/// Sends a new code for the pending sign-in.
#[server(endpoint = "ingresar/reenviar-codigo")]
pub async fn resend_code() -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::signin::resend_code(&ssr::pool()?).await
        }
        .await,
    )
}

/// Ends this browser's session, or every session of the user.
#[server(endpoint = "salir")]
pub async fn sign_out(everywhere: bool) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr::{self, audit};
            let pool = ssr::pool()?;
            let address = ssr::request::client_address().await;
            if let Some(user) = ssr::sessions::current(&pool).await? {
                let mut tx = pool.begin().await?;
                if everywhere {
                    ssr::sessions::end_all(&mut tx, user.user_id).await?;
                }
                audit::record(
                    &mut *tx,
                    audit::Entry::user(
                        if everywhere {
                            audit::AuthEvent::SalidaTodas
                        } else {
                            audit::AuthEvent::Salida
                        },
                        user.user_id,
                        user.organization.map(|o| o.organization_id),
                        &address,
                    ),
                )
                .await?;
                tx.commit().await?;
            }
            ssr::sessions::end_current(&pool).await
        }
        .await,
    )
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let state = FormState::new();
    let action = ServerAction::<Login>::new();
    let navigate = use_navigate();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => navigate("/ingresar/codigo", Default::default()),
        Some(Err(error)) => state.show(&error),
        None => {}
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        state.clear();
        action.dispatch(Login {
            identifier: form.get("identifier"),
            password: form.get("password"),
        });
    };
    view! {
        <Title text="Ingresar" />
        <h1>"Acceso al módulo del Operador Tecnológico de Trazabilidad de Minerales - OTTM"</h1>
        <form class="formulario" on:submit=on_submit>
            <Field label="Usuario / Correo electrónico" name="identifier" state autocomplete="username" required=true />
            <Field label="Contraseña" name="password" input_type="password" state autocomplete="current-password" required=true />
            <FormMessage state />
            <button class="boton" type="submit" disabled=move || action.pending().get()>"Iniciar sesión"</button>
        </form>
        <p>"¿Aún no tiene usuario en OTTM? " <A href="/registro">"Registrar"</A></p>
        <p>"¿Olvidó su usuario o contraseña? " <A href="/recuperar">"Recupere aquí"</A></p>
        <p>"¿No le llegó el correo de verificación? " <A href="/verificar-correo">"Reenviar verificación"</A></p>
    }
}

#[component]
pub fn CodePage() -> impl IntoView {
    let state = FormState::new();
    let action = ServerAction::<VerifyCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let resent = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => navigate("/", Default::default()),
        Some(Err(error)) => state.show(&error),
        None => {}
    });
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(())) => {
            state.clear();
            resent.set(true);
        }
        Some(Err(error)) => {
            resent.set(false);
            state.show(&error);
        }
        None => {}
    });
    let on_submit =
        move |ev| {
            let form = FormValues::take(&ev);
            resent.set(false);
            let code = form.get("code");
            if state
                .check(domain::VerificationCode::parse(&code).map_err(|violation| {
                    domain::ValidationErrors::one("code", "Código", &violation)
                }))
                .is_some()
            {
                action.dispatch(VerifyCode { code });
            }
        };
    view! {
        <Title text="Autenticación de doble factor" />
        <h1>"Autenticación de doble factor"</h1>
        <p>
            "Ingrese el código de autenticación enviado a su correo electrónico o número de celular registrado. "
            "Luego, haga clic en «Aceptar» para ingresar a su cuenta."
        </p>
        <form class="formulario" on:submit=on_submit>
            <Field label="Código de autenticación" name="code" state autocomplete="one-time-code" required=true />
            <FormMessage state />
            {move || resent.get().then(|| view! { <p class="mensaje-exito" role="status">"Le enviamos un código nuevo."</p> })}
            <button class="boton" type="submit" disabled=move || action.pending().get()>"Aceptar"</button>
        </form>
        <p>
            <button class="enlace" type="button" on:click=move |_| { resend.dispatch(ResendCode {}); }>
                "Enviar un código nuevo"
            </button>
            " · "
            <A href="/ingresar">"Volver a ingresar"</A>
        </p>
    }
}

/// "Salir" and "Salir de todos los dispositivos", for the header.
#[component]
pub fn SignOutButtons() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if action.value().get().is_some() {
            // A full load, so nothing of the signed-in pages stays in memory.
            let _ = window().location().set_href("/ingresar");
        }
    });
    view! {
        <button class="enlace" type="button" on:click=move |_| { action.dispatch(SignOut { everywhere: false }); }>
            "Salir"
        </button>
        <button class="enlace" type="button" on:click=move |_| { action.dispatch(SignOut { everywhere: true }); }>
            "Salir de todos los dispositivos"
        </button>
    }
}
