//! "Mi organización": where a new organisation proves its contacts and sends its evidence, then
//! asks the Administrador OTTM for its approval.

use domain::{ApprovalStatus, EvidenceKind, Sha256Hex};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    AddEvidence, ApprovalView, ContactChannel, RequestApproval, SendContactCode, VerifyContact,
    load_approval,
};
use crate::forms::{FormMessage, FormState, chosen_file};
use crate::users::AccessMessage;

#[component]
pub fn MyOrganizationPage() -> impl IntoView {
    let send = ServerAction::<SendContactCode>::new();
    let verify = ServerAction::<VerifyContact>::new();
    let evidence = ServerAction::<AddEvidence>::new();
    let request = ServerAction::<RequestApproval>::new();
    let state = FormState::new();
    let notice = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let view_data = Resource::new(move || reload.get(), |_| load_approval());
    Effect::new(move |_| {
        let outcomes = [
            send.value().get().map(|r| (r, "Le enviamos el código.")),
            verify.value().get().map(|r| (r, "Contacto verificado.")),
            evidence.value().get().map(|r| (r, "Soporte registrado.")),
            request
                .value()
                .get()
                .map(|r| (r, "Solicitud enviada al Administrador OTTM.")),
        ];
        for (result, done) in outcomes.into_iter().flatten() {
            match result {
                Ok(()) => {
                    state.clear();
                    notice.set(Some(done.to_owned()));
                    reload.update(|n| *n += 1);
                }
                Err(error) => {
                    notice.set(None);
                    state.show(&error);
                }
            }
        }
    });
    let actions = Actions {
        send,
        verify,
        evidence,
        request,
    };

    view! {
        <Title text="Mi organización" />
        <h1>"Mi organización"</h1>
        {move || notice.get().map(|text| view! { <p class="mensaje-exito" role="status">{text}</p> })}
        <FormMessage state />
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! { <Approval data actions /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    send: ServerAction<SendContactCode>,
    verify: ServerAction<VerifyContact>,
    evidence: ServerAction<AddEvidence>,
    request: ServerAction<RequestApproval>,
}

#[component]
fn Approval(data: ApprovalView, actions: Actions) -> impl IntoView {
    let pending = data.status == ApprovalStatus::PendienteAprobacion;
    let acting = pending && data.can_act && !data.requested;
    let status_text = match (data.status, data.requested) {
        (ApprovalStatus::PendienteAprobacion, true) => {
            "Pendiente de aprobación: su solicitud está en revisión del Administrador OTTM."
                .to_owned()
        }
        (ApprovalStatus::PendienteAprobacion, false) => {
            "Pendiente de aprobación: complete los pasos y solicite la aprobación. Hasta entonces \
             su organización no puede comprar ni ser encontrada como vendedora."
                .to_owned()
        }
        (status, _) => status.label().to_owned(),
    };
    let evidence = data.evidence.clone();
    view! {
        <dl class="ficha">
            <dt>"Organización"</dt><dd>{data.razon_social.clone()}</dd>
            <dt>"Tipo"</dt><dd>{data.kind.label()}</dd>
            <dt>"Documento"</dt><dd>{data.document.clone()}</dd>
            <dt>"Estado"</dt><dd data-testid="estado-aprobacion">{status_text}</dd>
            {data.reason.clone().map(|reason| view! { <dt>"Motivo"</dt><dd>{reason}</dd> })}
        </dl>
        {(pending && !data.can_act).then(|| view! {
            <p>"El administrador de su organización completa la verificación."</p>
        })}
        <Show when=move || acting>
            <section class="seccion-secundaria">
                <h2>"1. Correo de contacto"</h2>
                <Contact channel=ContactChannel::Email address=data.contact_email.clone()
                    verified=data.contact_email_verified actions />
            </section>
            <section class="seccion-secundaria">
                <h2>"2. Celular de contacto"</h2>
                <Contact channel=ContactChannel::Sms address=data.contact_mobile.clone()
                    verified=data.contact_mobile_verified actions />
            </section>
            <section class="seccion-secundaria">
                <h2>"3. Soportes"</h2>
                <p class="ayuda">"Elija cada archivo: su navegador calcula el SHA-256 y solo envía ese código; el archivo no sale de su computador. Guárdelo: el Administrador OTTM puede pedírselo para compararlo."</p>
                {data.required.iter().map(|kind| {
                    let sent = evidence.iter().find(|e| e.kind == *kind).cloned();
                    view! { <Evidence kind=*kind sent actions /> }
                }).collect_view()}
            </section>
            <button class="boton" type="button" disabled=move || actions.request.pending().get()
                on:click=move |_| { actions.request.dispatch(RequestApproval {}); }>
                "Solicitar aprobación"
            </button>
        </Show>
    }
}

#[component]
fn Contact(
    channel: ContactChannel,
    address: String,
    verified: bool,
    actions: Actions,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let id = format!("codigo-{}", channel.code().to_lowercase());
    let label = format!("Código del {}", channel.label());
    let send_label = format!("Enviar código al {}", channel.label());
    let verify_label = format!("Verificar {}", channel.label());
    view! {
        <p>{address}</p>
        {if verified {
            view! { <p class="mensaje-exito">"Verificado."</p> }.into_any()
        } else {
            view! {
                <button class="boton boton-claro" type="button"
                    on:click=move |_| { actions.send.dispatch(SendContactCode { channel }); }>
                    {send_label}
                </button>
                <div class="campo">
                    <label for=id.clone()>{label}</label>
                    <input id=id type="text" inputmode="numeric" autocomplete="one-time-code"
                        prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev)) />
                </div>
                <button class="boton" type="button"
                    on:click=move |_| {
                        actions.verify.dispatch(VerifyContact { channel, code: code.get_untracked() });
                    }>
                    {verify_label}
                </button>
            }.into_any()
        }}
    }
}

#[component]
fn Evidence(
    kind: EvidenceKind,
    sent: Option<super::EvidenceRow>,
    actions: Actions,
) -> impl IntoView {
    let id = format!("soporte-{}", kind.code().to_lowercase());
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((name, bytes)) = chosen_file(&input).await {
                actions.evidence.dispatch(AddEvidence {
                    kind: kind.code().to_owned(),
                    sha256: Sha256Hex::of_bytes(&bytes).to_string(),
                    file_name: name,
                });
            }
        });
    };
    view! {
        <div class="campo">
            <label for=id.clone()>{kind.label()}</label>
            <input id=id type="file" on:change=on_file />
            {sent.map(|row| view! {
                <p class="ayuda">
                    "Enviado: " {row.file_name.unwrap_or_default()} " · SHA-256 "
                    <code class="hash">{row.sha256}</code>
                </p>
            })}
        </div>
    }
}
