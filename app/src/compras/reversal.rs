//! *Reversión Compra* (`/reversion-compra`): the buyer's confirmed purchases it may still
//! reverse, whole or some lines, with a reason; the seller's validation code confirms the
//! reversal. Rules: `domain::compra_reversal`; server side: `compras::ssr::reversal`.

use domain::compra_reversal::{ReversalDraft, check_reason};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{FieldMessages, FormMessage, FormState};
use crate::pages::PurchaseRoleGate;
use crate::users::AccessMessage;

/// A confirmed purchase the buyer may reverse (or whose reversal waits for the seller's code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversibleRow {
    pub compra_id: Uuid,
    pub ptm_code: String,
    pub seller: String,
    pub transaction_date: String,
    pub confirmed_at: String,
    /// The last day it may be reversed (`DD/MM/AAAA`).
    pub last_day: String,
    pub lines: Vec<ReversibleLine>,
    pub pending: Option<PendingReversal>,
}

/// One line of the purchase, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversibleLine {
    pub number: u32,
    /// `4DEB01BC · ORO · 10,0000 g · COP $ 1.000.000,00`.
    pub text: String,
}

/// The request waiting for the seller's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReversal {
    /// Line numbers, from 1.
    pub lines: Vec<u32>,
    pub reason: String,
    pub code_expired: bool,
}

/// A confirmed reversal: the purchase it reversed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversalDone {
    pub ptm_code: String,
}

#[server(endpoint = "reversion-compra/lista")]
pub async fn list_reversible() -> Result<Vec<ReversibleRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, buyer_id) = super::ssr::buyer().await?;
            super::ssr::reversal::reversible(&pool, buyer_id).await
        }
        .await,
    )
}

/// "Solicitar reversión" (again, while pending: a new code).
#[server(endpoint = "reversion-compra/solicitar")]
pub async fn request_reversal(compra_id: Uuid, draft: ReversalDraft) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = super::ssr::buyer().await?;
            super::ssr::reversal::request(&pool, &user, buyer_id, compra_id, draft).await
        }
        .await,
    )
}

/// "Confirmar reversión" with the seller's code.
#[server(endpoint = "reversion-compra/confirmar")]
pub async fn confirm_reversal(compra_id: Uuid, code: String) -> Result<ReversalDone, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = super::ssr::buyer().await?;
            super::ssr::reversal::confirm(&pool, (buyer_id, &user.full_name), compra_id, &code)
                .await
        }
        .await,
    )
}

/// "Retirar solicitud".
#[server(endpoint = "reversion-compra/retirar")]
pub async fn withdraw_reversal(compra_id: Uuid) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = super::ssr::buyer().await?;
            super::ssr::reversal::withdraw(&pool, (buyer_id, &user.full_name), compra_id).await
        }
        .await,
    )
}

#[component]
pub fn ReversalPage() -> impl IntoView {
    let title = crate::sections::AFTER_COMPRAS[0].title;
    let version = RwSignal::new(0u32);
    let rows = Resource::new(move || version.get(), |_| list_reversible());
    let done = RwSignal::new(None::<String>);
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <PurchaseRoleGate>
            <p class="ayuda">
                "Revierta una compra confirmada, completa o algunas de sus líneas, mientras su \
                 organización conserve lo comprado y el periodo no esté cerrado. El vendedor recibe \
                 un código de validación que dice qué vuelve a sus saldos."
            </p>
            {move || done.get().map(|ptm| view! {
                <p class="mensaje-exito" role="status">
                    {format!("La compra {ptm} fue revertida. Ambas partes recibieron sus saldos por correo.")}
                </p>
            })}
            <Transition fallback=|| view! { <p>"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Err(error) => view! { <AccessMessage error /> }.into_any(),
                        Ok(rows) if rows.is_empty() => view! {
                            <p>"No hay compras confirmadas que pueda revertir."</p>
                        }.into_any(),
                        Ok(rows) => rows.into_iter().map(|row| view! {
                            <ReversibleCard row version done />
                        }).collect_view().into_any(),
                    }
                })}
            </Transition>
        </PurchaseRoleGate>
    }
}

/// One purchase: its lines to choose and the reason, or the pending request and its code.
#[component]
fn ReversibleCard(
    row: ReversibleRow,
    version: RwSignal<u32>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = FormState::new();
    let busy = RwSignal::new(false);
    let compra_id = row.compra_id;
    let pending = row.pending.clone();
    let chosen = RwSignal::new(
        pending
            .as_ref()
            .map(|p| p.lines.clone())
            .unwrap_or_else(|| row.lines.iter().map(|l| l.number).collect()),
    );
    let reason = RwSignal::new(
        pending
            .as_ref()
            .map(|p| p.reason.clone())
            .unwrap_or_default(),
    );
    let code = RwSignal::new(String::new());
    let refresh = move || version.update(|v| *v += 1);
    let on_request = move |_| {
        if let Err(error) = check_reason(&reason.get_untracked()) {
            state.check::<()>(Err(domain::ValidationErrors::one(
                "reason", "Motivo", &error,
            )));
            return;
        }
        if chosen.with_untracked(Vec::is_empty) {
            state
                .message
                .set(Some("Marque al menos una línea para revertir.".to_owned()));
            return;
        }
        let draft = ReversalDraft {
            lines: chosen.get_untracked(),
            reason: reason.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match request_reversal(compra_id, draft).await {
                Ok(()) => {
                    state.clear();
                    refresh();
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let on_confirm = move |_| {
        busy.set(true);
        let typed = code.get_untracked();
        leptos::task::spawn_local(async move {
            match confirm_reversal(compra_id, typed).await {
                Ok(reversed) => {
                    done.set(Some(reversed.ptm_code));
                    refresh();
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let on_withdraw = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match withdraw_reversal(compra_id).await {
                Ok(()) => refresh(),
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let is_pending = pending.is_some();
    let code_expired = pending.as_ref().is_some_and(|p| p.code_expired);
    let lines = row.lines.clone();
    view! {
        <section class="tarjeta" data-testid="reversion" data-ptm=row.ptm_code.clone()>
            <h2>{format!("Compra {}", row.ptm_code)}</h2>
            <p>
                {format!("Vendedor: {} · fecha de la transacción {} · confirmada el {}", row.seller, row.transaction_date, row.confirmed_at)}
                <br />
                {format!("Puede revertirse hasta el {}.", row.last_day)}
            </p>
            <fieldset disabled=move || busy.get() class="formulario">
                <legend>"Líneas que vuelven al vendedor"</legend>
                {lines.into_iter().map(|line| {
                    let number = line.number;
                    let id = format!("reversion-{compra_id}-linea-{number}");
                    view! {
                        <div class="campo-casilla">
                            <input type="checkbox" id=id.clone() disabled=is_pending
                                prop:checked=move || chosen.read().contains(&number)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|n| *n != number);
                                        if on { c.push(number); c.sort_unstable(); }
                                    });
                                } />
                            <label for=id>{format!("{}. {}", number, line.text)}</label>
                        </div>
                    }
                }).collect_view()}
                <FieldMessages state path="compra" />
                <div class="campo">
                    <label for=format!("reversion-{compra_id}-motivo")>"Motivo"</label>
                    <textarea id=format!("reversion-{compra_id}-motivo") rows="3" maxlength="1000"
                        readonly=is_pending
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <FieldMessages state path="reason" />
                </div>
                {if is_pending {
                    view! {
                        <p class="aviso" role="status">
                            {if code_expired {
                                "Reversión pendiente por confirmar: el código enviado al vendedor venció. Reenvíelo."
                            } else {
                                "Reversión pendiente por confirmar: el vendedor recibió un código de validación por correo y SMS."
                            }}
                        </p>
                        <div class="campo">
                            <label for=format!("reversion-{compra_id}-codigo")>"Código de validación de la reversión"</label>
                            <input id=format!("reversion-{compra_id}-codigo") inputmode="numeric" autocomplete="one-time-code"
                                maxlength="8" prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev)) />
                            <FieldMessages state path="code" />
                        </div>
                        <FormMessage state />
                        <p class="acciones">
                            <button type="button" class="boton" on:click=on_confirm>"Confirmar reversión"</button>
                            <button type="button" class="boton boton-claro" on:click=on_request>"Reenviar código"</button>
                            <button type="button" class="boton boton-claro" on:click=on_withdraw>"Retirar solicitud"</button>
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <FormMessage state />
                        <p class="acciones">
                            <button type="button" class="boton" on:click=on_request>"Solicitar reversión"</button>
                        </p>
                    }.into_any()
                }}
            </fieldset>
        </section>
    }
}
