//! "Aprobaciones": the Administrador OTTM's list of organisations waiting for approval (their
//! data, verified contacts and the SHA-256 of their evidence) and of open claims over identities.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use super::{ClaimRow, DecideApproval, DecideClaim, EvidenceRow, PendingOrganization, load_review};
use crate::forms::{FormMessage, FormState};
use crate::users::AccessMessage;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let decide = ServerAction::<DecideApproval>::new();
    let claim = ServerAction::<DecideClaim>::new();
    let state = FormState::new();
    let list = Resource::new(
        move || (decide.version().get(), claim.version().get()),
        |_| load_review(),
    );
    Effect::new(move |_| {
        for result in [decide.value().get(), claim.value().get()]
            .into_iter()
            .flatten()
        {
            match result {
                Ok(()) => state.clear(),
                Err(error) => state.show(&error),
            }
        }
    });
    view! {
        <Title text="Aprobaciones" />
        <h1>"Aprobaciones"</h1>
        <FormMessage state />
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! {
                        <h2>"Organizaciones pendientes de aprobación"</h2>
                        {if list.organizations.is_empty() {
                            view! { <p>"Ninguna organización espera su aprobación."</p> }.into_any()
                        } else {
                            list.organizations.into_iter()
                                .map(|organization| view! { <Pending organization decide /> })
                                .collect_view().into_any()
                        }}
                        <h2>"Reclamaciones de documentos o títulos"</h2>
                        {if list.claims.is_empty() {
                            view! { <p>"No hay reclamaciones abiertas."</p> }.into_any()
                        } else {
                            list.claims.into_iter()
                                .map(|row| view! { <Claim row claim /> })
                                .collect_view().into_any()
                        }}
                    }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn evidence_list(evidence: Vec<EvidenceRow>) -> impl IntoView {
    view! {
        <ul class="lista-simple">
            {evidence.into_iter().map(|row| view! {
                <li>
                    {row.kind.label()} ": " {row.file_name.unwrap_or_default()} " · SHA-256 "
                    <code class="hash">{row.sha256}</code>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The reason typed for a decision, by the id of what is decided.
fn reason_field(id: Uuid, reason: RwSignal<String>) -> impl IntoView {
    let field_id = format!("motivo-{id}");
    view! {
        <div class="campo">
            <label for=field_id.clone()>"Motivo"</label>
            <input id=field_id type="text" prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev)) />
        </div>
    }
}

#[component]
fn Pending(
    organization: PendingOrganization,
    decide: ServerAction<DecideApproval>,
) -> impl IntoView {
    let organization_id = organization.organization_id;
    let reason = RwSignal::new(String::new());
    let name = organization.razon_social.clone();
    let label = name.clone();
    view! {
        <article class="tarjeta" aria-label=label>
            <h3>{name}</h3>
            <dl class="ficha">
                <dt>"Tipo"</dt><dd>{organization.kind.label()}</dd>
                <dt>"Documento"</dt><dd>{organization.document}</dd>
                <dt>"Municipio"</dt><dd>{organization.municipio}</dd>
                <dt>"Correo de contacto"</dt><dd>{organization.contact_email} " (verificado)"</dd>
                <dt>"Celular de contacto"</dt><dd>{organization.contact_mobile} " (verificado)"</dd>
                {organization.rucom_number.map(|n| view! { <dt>"RUCOM"</dt><dd>{n}</dd> })}
                {(!organization.titles.is_empty()).then(|| view! {
                    <dt>"Títulos"</dt><dd>{organization.titles.join(", ")}</dd>
                })}
            </dl>
            {evidence_list(organization.evidence)}
            {reason_field(organization_id, reason)}
            <div class="acciones">
                <button class="boton" type="button" on:click=move |_| {
                    decide.dispatch(DecideApproval { organization_id, approve: true, reason: reason.get_untracked() });
                }>"Aprobar"</button>
                <button class="boton boton-secundario" type="button" on:click=move |_| {
                    decide.dispatch(DecideApproval { organization_id, approve: false, reason: reason.get_untracked() });
                }>"Rechazar"</button>
            </div>
        </article>
    }
}

#[component]
fn Claim(row: ClaimRow, claim: ServerAction<DecideClaim>) -> impl IntoView {
    let claim_id = row.claim_id;
    let reason = RwSignal::new(String::new());
    view! {
        <article class="tarjeta">
            <h3>{row.razon_social} " reclama " {row.document.clone()}</h3>
            <dl class="ficha">
                <dt>"Fecha"</dt><dd>{row.created}</dd>
                <dt>"Quién reclama"</dt><dd>{row.claimant}</dd>
                {(!row.titles.is_empty()).then(|| view! { <dt>"Títulos"</dt><dd>{row.titles.join(", ")}</dd> })}
                <dt>"Explicación"</dt><dd>{row.statement}</dd>
                <dt>"SHA-256 del soporte"</dt><dd><code class="hash">{row.evidence_sha256}</code></dd>
            </dl>
            {reason_field(claim_id, reason)}
            <div class="acciones">
                <button class="boton" type="button" on:click=move |_| {
                    claim.dispatch(DecideClaim { claim_id, accept: true, reason: reason.get_untracked() });
                }>"Aceptar reclamación"</button>
                <button class="boton boton-secundario" type="button" on:click=move |_| {
                    claim.dispatch(DecideClaim { claim_id, accept: false, reason: reason.get_untracked() });
                }>"Desestimar"</button>
            </div>
        </article>
    }
}
