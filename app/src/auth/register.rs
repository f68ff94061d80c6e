//! "¿Aún no tiene usuario en OTTM? Registrar": an organisation with its first administrator, and
//! the verification of the administrator's email by a single-use link.

use domain::{Departamento, DocumentType, OrganizationKind, RegistrationDraft, RucomState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::approval::SubmitClaim;
use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues, SelectField, chosen_file};

/// Validity of the link in the verification email.
pub const VERIFICATION_LINK_HOURS: i32 = 48;

/// Registers the organisation and its administrator, and emails the verification link. Answers
/// the address it was sent to.
#[server(endpoint = "registro")]
pub async fn register(draft: RegistrationDraft) -> Result<String, AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::registration::register(&ssr::pool()?, &draft).await
        }
        .await,
    )
}

/// Uses a verification link.
#[server(endpoint = "verificar-correo")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::registration::verify_email(&ssr::pool()?, &token).await
        }
        .await,
    )
}

/// Sends a new verification link to an unverified account; answers the same whether or not the
/// account exists.
#[server(endpoint = "verificar-correo/reenviar")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            use super::ssr;
            ssr::registration::resend_verification(&ssr::pool()?, &email).await
        }
        .await,
    )
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|&item| (code(item).to_owned(), label(item).to_owned()))
        .collect()
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let state = FormState::new();
    let action = ServerAction::<Register>::new();
    let sent_to = RwSignal::new(None::<String>);
    // The last draft sent: a claim is made with it when its document or titles are taken.
    let last_draft = RwSignal::new(None::<RegistrationDraft>);
    let taken = RwSignal::new(false);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(email)) => sent_to.set(Some(email)),
        Some(Err(error)) => {
            taken.set(error.field_errors().is_some_and(|errors| {
                errors.has_code("organization_exists") || errors.has_code("title_taken")
            }));
            state.show(&error);
        }
        None => {}
    });

    let kind = RwSignal::new(String::new());
    let departamento = RwSignal::new(String::new());
    let municipios = Signal::derive(move || {
        Departamento::by_code(&departamento.get())
            .map(|d| {
                d.municipios()
                    .iter()
                    .map(|m| (m.code().to_owned(), m.name().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let parsed_kind = move || OrganizationKind::parse(&kind.get()).ok();

    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        let draft = RegistrationDraft {
            kind: form.get("kind"),
            document_type: form.get("document_type"),
            document_number: form.get("document_number"),
            razon_social: form.get("razon_social"),
            departamento: form.get("departamento"),
            municipio: form.get("municipio"),
            contact_email: form.get("contact_email"),
            contact_mobile: form.get("contact_mobile"),
            rucom_number: form.get("rucom_number"),
            rucom_state: form.get("rucom_state"),
            codigos_expediente: form.get("codigos_expediente"),
            admin_full_name: form.get("admin_full_name"),
            admin_username: form.get("admin_username"),
            admin_email: form.get("admin_email"),
            admin_mobile: form.get("admin_mobile"),
            admin_second_factor: form.get("admin_second_factor"),
            password: form.get("password"),
            password_confirmation: form.get("password_confirmation"),
        };
        if state.check(draft.validate()).is_some() {
            last_draft.set(Some(draft.clone()));
            action.dispatch(Register { draft });
        }
    };

    let form = move || {
        view! {
            <form class="formulario formulario-ancho" on:submit=on_submit novalidate>
                <p class="ayuda">"Los campos marcados con * son obligatorios."</p>
                <fieldset>
                    <legend>"Datos de la organización"</legend>
                    <SelectField label="Tipo de participante" name="kind" path="organization.kind" state required=true selected=kind
                        options=Signal::stored(options(&OrganizationKind::ALL, OrganizationKind::code, OrganizationKind::label)) />
                    <SelectField label="Tipo de documento" name="document_type" path="organization.document_type" state required=true
                        options=Signal::stored(options(&DocumentType::ALL, DocumentType::code, DocumentType::label)) />
                    <Field label="Número de documento" name="document_number" path="organization.document_number" state required=true
                        hint="El NIT con su dígito de verificación, p. ej. 901304961-7." />
                    <Field label="Razón social" name="razon_social" path="organization.razon_social" state required=true />
                    <SelectField label="Departamento" name="departamento" path="organization.departamento" state required=true selected=departamento
                        options=Signal::stored(Departamento::all().iter().map(|d| (d.code().to_owned(), d.name().to_owned())).collect()) />
                    <SelectField label="Municipio" name="municipio" path="organization.municipio" state required=true options=municipios />
                    <Field label="Correo de contacto" name="contact_email" path="organization.contact_email" input_type="email" state required=true />
                    <Field label="Celular de contacto" name="contact_mobile" path="organization.contact_mobile" input_type="tel" state required=true />
                    <Show when=move || parsed_kind().is_some_and(OrganizationKind::needs_rucom)>
                        <Field label="Número de inscripción en el RUCOM" name="rucom_number" path="organization.rucom_number" state required=true />
                        <SelectField label="Estado en el RUCOM" name="rucom_state" path="organization.rucom_state" state required=true
                            options=Signal::stored(options(&RucomState::ALL, RucomState::code, RucomState::label)) />
                    </Show>
                    <Show when=move || parsed_kind().is_some_and(OrganizationKind::holds_titles)>
                        <Field label="Códigos de expediente minero" name="codigos_expediente" path="organization.codigos_expediente" state required=true
                            hint="Separe varios códigos con comas, p. ej. T14292011-003, PE3-113." />
                    </Show>
                </fieldset>
                <fieldset>
                    <legend>"Administrador de la organización"</legend>
                    <Field label="Nombres y apellidos" name="admin_full_name" path="admin.full_name" state required=true autocomplete="name" />
                    <Field label="Nombre de usuario" name="admin_username" path="admin.username" state required=true autocomplete="username" />
                    <Field label="Correo electrónico" name="admin_email" path="admin.email" input_type="email" state required=true autocomplete="email" />
                    <Field label="Celular" name="admin_mobile" path="admin.mobile" input_type="tel" state autocomplete="tel"
                        hint="Necesario si quiere recibir el código de ingreso por SMS." />
                    <SelectField label="Recibir el código de ingreso por" name="admin_second_factor" path="admin.second_factor" state
                        selected=RwSignal::new("EMAIL".to_owned())
                        options=Signal::stored(vec![("EMAIL".to_owned(), "Correo electrónico".to_owned()), ("SMS".to_owned(), "Mensaje de texto (SMS)".to_owned())]) />
                    <Field label="Contraseña" name="password" path="admin.password" input_type="password" state required=true autocomplete="new-password"
                        hint="Al menos 10 caracteres. Una frase corta es segura y fácil de recordar." />
                    <Field label="Confirme la contraseña" name="password_confirmation" path="admin.password" input_type="password" state required=true autocomplete="new-password" />
                </fieldset>
                <FormMessage state />
                <button class="boton" type="submit" disabled=move || action.pending().get()>"Registrar"</button>
            </form>
            <Show when=move || taken.get()>
                <ClaimForm draft=last_draft />
            </Show>
        }
    };

    view! {
        <Title text="Registro" />
        <h1>"Registro de organización"</h1>
        <Show
            when=move || sent_to.get().is_some()
            fallback=form
        >
            <p class="mensaje-exito" role="status">
                "Registro recibido. Le enviamos un enlace a " <strong>{move || sent_to.get()}</strong>
                " para verificar su correo; vence en " {VERIFICATION_LINK_HOURS} " horas. Después podrá ingresar."
            </p>
            <p><A href="/ingresar">"Ir a ingresar"</A></p>
        </Show>
    }
}

/// "Presentar una reclamación": the document or a title of the registration is held by another
/// registration. The claim goes to the Administrador OTTM with the SHA-256 of the evidence; the
/// claimant is never told who holds them.
#[component]
fn ClaimForm(draft: RwSignal<Option<RegistrationDraft>>) -> impl IntoView {
    let state = FormState::new();
    let claim = ServerAction::<SubmitClaim>::new();
    let evidence = RwSignal::new(String::new());
    let statement = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Err(error)) = claim.value().get() {
            state.show(&error);
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                evidence.set(domain::Sha256Hex::of_bytes(&bytes).to_string());
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(draft) = draft.get_untracked() else {
            return;
        };
        let typed = domain::ClaimDraft {
            statement: statement.get_untracked(),
            evidence_sha256: evidence.get_untracked(),
        };
        if state.check(typed.validate()).is_some() {
            claim.dispatch(SubmitClaim {
                draft,
                claim: typed,
            });
        }
    };
    view! {
        <section class="seccion-secundaria">
            <h2>"Presentar una reclamación"</h2>
            {move || if matches!(claim.value().get(), Some(Ok(()))) {
                view! {
                    <p class="mensaje-exito" role="status">
                        "Recibimos su reclamación. El Administrador OTTM la revisará y le escribirá al correo del administrador que indicó."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p>"Si el documento o el título son de su organización y nadie de ella los registró, explique por qué y adjunte un soporte (RUT, certificado del Registro Minero). El Administrador OTTM decide; mientras tanto, quien los registró no puede operar sin aprobación."</p>
                    <form class="formulario" on:submit=on_submit novalidate>
                        <div class="campo">
                            <label for="campo-claim-statement" class="obligatorio">"Explicación"</label>
                            <textarea id="campo-claim-statement" rows="4" maxlength="2000"
                                prop:value=move || statement.get()
                                on:input=move |ev| statement.set(event_target_value(&ev))></textarea>
                            <ul class="errores-campo">
                                {move || crate::forms::messages_for(state, "claim.statement").into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                            </ul>
                        </div>
                        <div class="campo">
                            <label for="campo-claim-soporte" class="obligatorio">"Soporte de la reclamación"</label>
                            <input id="campo-claim-soporte" type="file" on:change=on_file />
                            <p class="ayuda">"Se envía solo su SHA-256: " <code class="hash">{move || evidence.get()}</code></p>
                            <ul class="errores-campo">
                                {move || crate::forms::messages_for(state, "claim.evidence_sha256").into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                            </ul>
                        </div>
                        <FormMessage state />
                        <button class="boton" type="submit" disabled=move || claim.pending().get()>"Enviar reclamación"</button>
                    </form>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let verify = ServerAction::<VerifyEmail>::new();
    // Using the link is a write: it happens on the user's click, never on a crawler's GET.
    let state = FormState::new();
    let resend = ServerAction::<ResendVerification>::new();
    Effect::new(move |_| {
        if let Some(Err(error)) = resend.value().get() {
            state.show(&error);
        }
    });
    let on_resend = move |ev| {
        let form = FormValues::take(&ev);
        resend.dispatch(ResendVerification {
            email: form.get("email"),
        });
    };
    view! {
        <Title text="Verificación de correo" />
        <h1>"Verificación de correo"</h1>
        {move || match verify.value().get() {
            Some(Ok(())) => view! {
                <p class="mensaje-exito" role="status">"Su correo quedó verificado. Ya puede ingresar."</p>
                <p><A href="/ingresar">"Ingresar"</A></p>
            }.into_any(),
            Some(Err(error)) => view! {
                <p class="mensaje-error" role="alert">{error.to_string()}</p>
            }.into_any(),
            None if !token().is_empty() => view! {
                <p>"Confirme que este es su correo para activar su cuenta."</p>
                <button class="boton" type="button" on:click=move |_| { verify.dispatch(VerifyEmail { token: token() }); }>
                    "Verificar mi correo"
                </button>
            }.into_any(),
            None => ().into_any(),
        }}
        <section class="seccion-secundaria">
            <h2>"¿Su enlace venció o no le llegó?"</h2>
            <form class="formulario" on:submit=on_resend>
                <Field label="Correo electrónico" name="email" input_type="email" state required=true />
                <FormMessage state />
                {move || matches!(resend.value().get(), Some(Ok(()))).then(|| view! {
                    <p class="mensaje-exito" role="status">
                        "Si hay una cuenta sin verificar con ese correo, le enviamos un enlace nuevo."
                    </p>
                })}
                <button class="boton boton-claro" type="submit">"Reenviar verificación"</button>
            </form>
        </section>
    }
}
