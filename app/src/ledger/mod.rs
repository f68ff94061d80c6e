//! The balances ledger: balances per (organisation, origin code, mineral, unit), changed only by
//! postings of append-only movements (`ssr::post`), sealed in a SHA-256 chain behind the commits
//! (the server's sealer) and verifiable by the regulator ("Verificación del libro").

#[cfg(feature = "ssr")]
pub mod ssr;

use domain::{Mineral, MovementKind, Unit};
use leptos::prelude::*;
use leptos_meta::Title;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::reports::{AsOf, DataAsOf};
use crate::users::AccessMessage;

/// One movement of a holder's history, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementRow {
    pub sequence: i64,
    pub kind: MovementKind,
    pub mineral: Mineral,
    pub unit: Unit,
    pub delta: Decimal,
    pub reference: String,
    pub recorded_at_unix_micros: i64,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Movements in the ledger.
    pub movements: u64,
    /// Movements sealed in the chain.
    pub sealed: u64,
    /// Committed movements the sealer has not chained yet (normally those of the last instant).
    pub unsealed: u64,
    /// Of those, the ones older than a minute: the sealer is stopped, or was bypassed.
    pub unsealed_stale: u64,
    /// The first broken link of the chain, if any.
    pub chain: Option<ChainFault>,
    pub balances_checked: u64,
    /// How many balances differ from the sum of their movements…
    pub balance_mismatches_total: u64,
    /// …and the first of them (at most `ssr::VERIFY_MISMATCHES_MAX`).
    pub balance_mismatches: Vec<BalanceMismatch>,
}

impl VerifyReport {
    /// Nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.chain.is_none() && self.balance_mismatches_total == 0 && self.unsealed_stale == 0
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFault {
    /// The link's place in the chain (1 for the first).
    pub chain_position: i64,
    /// The movement sealed there (`movements.sequence`).
    pub movement_sequence: i64,
    /// In Spanish, for the report.
    pub message: String,
}

/// A balance that is not the sum of its movements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceMismatch {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub codigo_origen: String,
    pub mineral: String,
    pub unit: String,
    pub stored: Decimal,
    pub from_movements: Decimal,
}

/// Recomputes the chain and every balance; for the platform roles (the ANM's auditors and the
/// operator's administrators) only.
#[server(endpoint = "libro/verificar")]
pub async fn verify_ledger() -> Result<AsOf<VerifyReport>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, read_pool, sessions};
            use crate::reports::ssr::read_as_of;
            let user = sessions::require_platform(&pool()?).await?;
            let read = read_pool()?;
            let verified = read_as_of(&read, async { Ok(ssr::verify(&read).await?) }).await?;
            tracing::info!(
                user_id = %user.user_id,
                clean = verified.report.is_clean(),
                movements = verified.report.movements,
                "verificación del libro de saldos"
            );
            Ok(verified)
        }
        .await,
    )
}

/// "Verificación del libro": a button, and the result in words.
#[component]
pub fn VerificationPage() -> impl IntoView {
    let verify = ServerAction::<VerifyLedger>::new();
    view! {
        <Title text="Verificación del libro" />
        <h1>"Verificación del libro de saldos"</h1>
        <p>
            "Recalcula la cadena de hashes SHA-256 de todos los movimientos sellados y cada saldo "
            "como la suma de sus movimientos."
        </p>
        <button class="boton" type="button" disabled=move || verify.pending().get()
            on:click=move |_| { verify.dispatch(VerifyLedger {}); }>
            {move || if verify.pending().get() { "Verificando…" } else { "Verificar ahora" }}
        </button>
        {move || verify.value().get().map(|result| match result {
            Ok(AsOf { data_as_of, report }) => view! {
                <DataAsOf data_as_of />
                <ReportView report />
            }.into_any(),
            Err(error) => view! { <AccessMessage error /> }.into_any(),
        })}
    }
}

#[component]
fn ReportView(report: VerifyReport) -> impl IntoView {
    let verdict = if report.is_clean() {
        "El libro está íntegro: la cadena y todos los saldos coinciden con los movimientos."
    } else {
        "El libro presenta inconsistencias: vea el detalle."
    };
    let chain = match &report.chain {
        None => format!(
            "Cadena: {} de {} movimientos sellados, sin alteraciones.",
            report.sealed, report.movements
        ),
        Some(fault) => format!(
            "Cadena: {} (movimiento n.º {}).",
            fault.message, fault.movement_sequence
        ),
    };
    let behind = (report.unsealed_stale > 0).then(|| {
        format!(
            "{} movimientos llevan más de un minuto sin sellar: el sellador está detenido o fue eludido.",
            report.unsealed_stale
        )
    });
    let balances = format!(
        "Saldos: {} revisados, {} no coinciden con sus movimientos.",
        report.balances_checked, report.balance_mismatches_total
    );
    let clean = report.is_clean();
    view! {
        <section class="seccion-secundaria" role="status">
            <p class=if clean { "mensaje-exito" } else { "mensaje-error" }>{verdict}</p>
            <p>{chain}</p>
            {behind.map(|text| view! { <p>{text}</p> })}
            <p>{balances}</p>
            {(!report.balance_mismatches.is_empty()).then(|| view! {
                <div class="tabla-contenedor">
                    <table class="tabla">
                        <thead><tr>
                            <th>"Organización"</th><th>"Código de origen"</th><th>"Mineral"</th>
                            <th>"Saldo guardado"</th><th>"Suma de movimientos"</th>
                        </tr></thead>
                        <tbody>
                            {report.balance_mismatches.into_iter().map(|m| view! {
                                <tr>
                                    <td>{m.razon_social}</td>
                                    <td>{m.codigo_origen}</td>
                                    <td>{format!("{} ({})", m.mineral, m.unit)}</td>
                                    <td>{domain::number::format_es_co(m.stored, Some(4))}</td>
                                    <td>{domain::number::format_es_co(m.from_movements, Some(4))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}
