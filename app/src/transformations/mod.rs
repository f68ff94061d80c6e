//! *Transformaciones* (`/transformaciones`): a holder turns balances it holds into new minerals,
//! each under a new origin code that remembers where its metal came from; and *Reversión de
//! Transformación* (`/reversion-transformacion`), while the outputs are untouched. The rules
//! (mass balance, lineage) are `domain::transformation`'s; the posting and the codes, `ssr`'s.

mod form;
#[cfg(feature = "ssr")]
pub mod ssr;

use domain::transformation::TransformationDraft;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{FormMessage, FormState};
use crate::pages::PurchaseRoleGate;
use crate::sections;
use crate::users::AccessMessage;
use form::TransformationForm;

/// One transformation, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformationRow {
    pub transformation_id: Uuid,
    /// The operation's date, `DD/MM/AAAA`.
    pub fecha: String,
    /// The process's label.
    pub process: String,
    /// `4DEB01BC · ORO · 1.000,0000 g`, one per input.
    pub inputs: Vec<String>,
    pub outputs: Vec<OutputRow>,
    /// The mass balance, one line per element.
    pub losses: Vec<String>,
    pub justification: Option<String>,
    /// When it was reversed (`DD/MM/AAAA HH:MM`).
    pub reversed: Option<String>,
    /// Not reversed, and no output moved since.
    pub reversible: bool,
}

/// One output: its new origin code and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRow {
    pub codigo_origen: String,
    pub text: String,
}

/// A registered transformation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformationDone {
    pub row: TransformationRow,
}

/// "Registrar transformación". `transformation_id` is the form's own id: a retried request
/// registers nothing twice.
#[server(endpoint = "transformaciones/registrar")]
pub async fn register_transformation(
    transformation_id: Uuid,
    draft: TransformationDraft,
) -> Result<TransformationDone, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::compras::ssr::buyer().await?;
            ssr::register(&pool, &user, organization_id, transformation_id, draft).await
        }
        .await,
    )
}

/// The organisation's transformations, newest first.
#[server(endpoint = "transformaciones/lista")]
pub async fn list_transformations() -> Result<Vec<TransformationRow>, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = crate::saldos::ssr::organization_user().await?;
            ssr::list(&pool, organization_id).await
        }
        .await,
    )
}

/// "Revertir transformación".
#[server(endpoint = "transformaciones/revertir")]
pub async fn reverse_transformation(
    transformation_id: Uuid,
) -> Result<TransformationRow, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = crate::compras::ssr::buyer().await?;
            ssr::reverse(&pool, &user, organization_id, transformation_id).await
        }
        .await,
    )
}

/// `/transformaciones`: the form, then the organisation's transformations.
#[component]
pub fn TransformationsPage() -> impl IntoView {
    let title = sections::AFTER_COMPRAS[1].title;
    let version = RwSignal::new(0u32);
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <PurchaseRoleGate>
            <TransformationForm version />
        </PurchaseRoleGate>
        <h2>"Transformaciones registradas"</h2>
        <TransformationList version reversing=false />
    }
}

/// `/reversion-transformacion`: the transformations that can still be reversed.
#[component]
pub fn TransformationReversalPage() -> impl IntoView {
    let title = sections::AFTER_COMPRAS[2].title;
    let version = RwSignal::new(0u32);
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <p class="ayuda">
            "Una transformación se revierte mientras ninguno de sus productos se haya vendido, \
             transformado o movido: los productos salen de sus saldos y los insumos vuelven."
        </p>
        <PurchaseRoleGate>
            <TransformationList version reversing=true />
        </PurchaseRoleGate>
    }
}

/// The organisation's transformations; with `reversing`, only those it can still reverse, each
/// with its button.
#[component]
fn TransformationList(version: RwSignal<u32>, reversing: bool) -> impl IntoView {
    let rows = Resource::new(move || version.get(), |_| list_transformations());
    view! {
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok(rows) => {
                        let rows: Vec<_> = rows.into_iter().filter(|r| !reversing || r.reversible).collect();
                        if rows.is_empty() {
                            let none = if reversing {
                                "No hay transformaciones que pueda revertir."
                            } else {
                                "Su organización no ha registrado transformaciones."
                            };
                            view! { <p>{none}</p> }.into_any()
                        } else {
                            rows.into_iter()
                                .map(|row| view! { <TransformationCard row version reversing /> })
                                .collect_view()
                                .into_any()
                        }
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn TransformationCard(
    row: TransformationRow,
    version: RwSignal<u32>,
    reversing: bool,
) -> impl IntoView {
    let state = FormState::new();
    let busy = RwSignal::new(false);
    let id = row.transformation_id;
    let on_reverse = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match reverse_transformation(id).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="tarjeta" data-testid="transformacion">
            <h3>{format!("{} · {}", row.process, row.fecha)}</h3>
            {row.reversed.clone().map(|at| view! { <p class="aviso">{format!("Revertida el {at}.")}</p> })}
            <p><strong>"Insumos: "</strong>{row.inputs.join(" · ")}</p>
            <p><strong>"Productos: "</strong>
                {row.outputs.into_iter().map(|output| view! {
                    <span class="producto">
                        <a href=format!("/trazabilidad/{}", output.codigo_origen)>{output.text}</a>" "
                    </span>
                }).collect_view()}
            </p>
            <ul class="balance-masa">
                {row.losses.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
            {row.justification.map(|text| view! { <p><strong>"Justificación: "</strong>{text}</p> })}
            {reversing.then(|| view! {
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" disabled=move || busy.get() on:click=on_reverse>
                        "Revertir transformación"
                    </button>
                </p>
            })}
        </section>
    }
}
