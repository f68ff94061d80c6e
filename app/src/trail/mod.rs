//! *Trazabilidad* (`/trazabilidad/:codigo`): the trail of an origin code, backwards to where its
//! mineral was mined (a mining title, a subsistence miner, an initial-balance declaration, a
//! purchase without identified origin) through every transformation, and forwards to the codes its
//! metal went into; under each code, who passed it to whom, how much and when. Drawn on the server
//! as SVG (no script), and served as JSON (`/api/trazabilidad`). The *Auditor ANM* and the
//! *Administrador OTTM* open any code; an organisation opens the codes it held, and sees only the
//! transfers it took part in.

#[cfg(feature = "ssr")]
pub mod ssr;
pub mod svg;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::users::AccessMessage;

/// The trail of one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// The code asked for.
    pub codigo_origen: String,
    /// Every code of the trail: the one asked for, its sources (depth < 0) and its products
    /// (depth > 0).
    pub nodes: Vec<TrailNode>,
    /// Transformations: the metal of `from` went into `to`, with the share of `to` it makes.
    pub edges: Vec<TrailEdge>,
}

/// One origin code of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailNode {
    pub codigo_origen: String,
    /// `ORO (g)`.
    pub mineral: String,
    /// Steps from the code asked for: negative towards the sources.
    pub depth: i32,
    /// Where its mineral came from (`domain::codigo_origen::OriginSource` code).
    pub source: String,
    /// For people: "Título minero T14292011-003 · MINERA EL DILUVIO GOLD S.A.S".
    pub origin: String,
    /// `DD/MM/AAAA`.
    pub issued_on: String,
    pub transfers: Vec<TrailTransfer>,
}

/// Mineral of one code passing between holders in one posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailTransfer {
    /// `DD/MM/AAAA`, the operation's date.
    pub fecha: String,
    /// The posting's kind (`COMPRA`, `TRANSFORMACION`…).
    pub kind: String,
    /// Who gave (none when the posting created the mineral).
    pub from: Option<String>,
    /// Who received (none when the posting consumed it).
    pub to: Option<String>,
    /// `10,0000`.
    pub quantity: String,
}

/// One transformation's link between two codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailEdge {
    pub from: String,
    pub to: String,
    /// The share of `to`'s metal that came from `from`, `0,850000`.
    pub share: String,
    pub process: String,
    pub fecha: String,
}

/// The trail of `codigo_origen`, with its drawing.
#[server(endpoint = "trazabilidad")]
pub async fn get_trail(codigo_origen: String) -> Result<(Trail, String), AppError> {
    crate::error::with_status(
        async move {
            let pool = crate::auth::ssr::pool()?;
            let user = crate::auth::ssr::sessions::require(&pool).await?;
            let trail = ssr::trail(&pool, &user, &codigo_origen).await?;
            let drawing = svg::draw(&trail);
            Ok((trail, drawing))
        }
        .await,
    )
}

/// `/trazabilidad/:codigo`.
#[component]
pub fn TrailPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("codigo").unwrap_or_default();
    let found = Resource::new(code, get_trail);
    view! {
        <Title text="Trazabilidad" />
        <h1>"Trazabilidad del código " {code}</h1>
        <p class="ayuda">
            "De dónde viene el mineral de este código (a la izquierda, hasta su origen) y a qué códigos \
             pasó su metal (a la derecha), con cada entrega entre organizaciones."
        </p>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                    Ok((trail, drawing)) => view! {
                        <div class="trazabilidad-grafo" inner_html=drawing></div>
                        <TrailTable trail />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The same trail as text: each code, its origin, its transfers.
#[component]
fn TrailTable(trail: Trail) -> impl IntoView {
    let mut nodes = trail.nodes;
    nodes.sort_by_key(|n| n.depth);
    view! {
        {nodes.into_iter().map(|node| view! {
            <section class="tarjeta" data-testid="codigo-trazado" data-codigo=node.codigo_origen.clone()>
                <h2>{format!("{} · {}", node.codigo_origen, node.mineral)}</h2>
                <p data-testid="origen">{node.origin}</p>
                <ul>
                    {node.transfers.into_iter().map(|t| view! {
                        <li>{format!(
                            "{} · {} · {} → {} · {}",
                            t.fecha,
                            t.kind,
                            t.from.unwrap_or_else(|| "—".to_owned()),
                            t.to.unwrap_or_else(|| "—".to_owned()),
                            t.quantity
                        )}</li>
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}
