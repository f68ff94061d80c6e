//! *Reversión Compra*: undoing a confirmed purchase, whole or some of its lines, with the seller's
//! consent and a compensating posting (never an edit of history).
//!
//! The buyer asks within a window after the confirmation ([`ReversalWindow`], default 30 days),
//! names the lines and gives a reason; the seller receives a validation code with a
//! [`ReversalConsent`] that states exactly what comes back to it, and the buyer types the code.
//! Only purchases from a seller that holds balances on the platform (an *explotador minero
//! autorizado* or a *comercializador*) can be reversed: a subsistence miner holds no balance to
//! return the mineral to, and a purchase without identified origin has no seller on the platform.
//!
//! ```
//! use domain::compra::example;
//! use domain::compra_reversal::{ReversalDraft, ReversalWindow};
//! use domain::{Closings, Fecha};
//!
//! let compra = example();
//! let draft = ReversalDraft { lines: vec![1], reason: "El vendedor entregó menos oro del facturado.".into() };
//! let confirmed_on = Fecha::parse("06/03/2025").unwrap();
//! let today = Fecha::parse("10/03/2025").unwrap();
//! let reversal = draft.validate(&compra, confirmed_on, today, ReversalWindow::default(), &Closings::none()).unwrap();
//! assert_eq!(reversal.lines(), &[0]);
//! let late = Fecha::parse("10/05/2025").unwrap();
//! assert!(draft.validate(&compra, confirmed_on, late, ReversalWindow::default(), &Closings::none()).is_err());
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::balance::{AllocationError, BalanceKey};
use crate::compra::{Compra, SellerType};
use crate::consent::ConsentLine;
use crate::error_code::ErrorCode;
use crate::fecha::{Closings, Fecha};
use crate::ptm_transaction_code::PtmTransactionCode;
use crate::quantity::SaleQuantity;
use crate::sha256::{Sha256Hex, length_prefixed};
use crate::sms::{fits_one_segment, to_gsm7};
use crate::validation::ValidationErrors;

/// Shortest reason: a sentence that tells the seller and the auditor why.
pub const REASON_MIN_CHARS: usize = 10;
/// Longest reason.
pub const REASON_MAX_CHARS: usize = 1_000;
/// Version of [`ReversalConsent::digest`]'s encoding.
const REVERSAL_CONSENT_ENCODING_VERSION: u8 = 1;

/// The sellers whose purchases can be reversed: those that hold balances on the platform.
pub const REVERSIBLE_SELLERS: [SellerType; 2] = [
    SellerType::ExplotadorMineroAutorizado,
    SellerType::Comercializador,
];

/// How many days after its confirmation a purchase may still be reversed
/// (`VETA_REVERSION_VENTANA_DIAS`, default 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversalWindow {
    pub days: i64,
}

impl Default for ReversalWindow {
    fn default() -> Self {
        Self { days: 30 }
    }
}

impl ReversalWindow {
    /// The last day a purchase confirmed on `confirmed_on` may be reversed.
    pub fn last_day(self, confirmed_on: Fecha) -> Fecha {
        Fecha::from_date(
            confirmed_on
                .date()
                .saturating_add(time::Duration::days(self.days)),
        )
    }
}

/// What the buyer typed: the lines to reverse (numbered from 1, as the purchase shows them; empty
/// means every line) and the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversalDraft {
    #[serde(default)]
    pub lines: Vec<u32>,
    #[serde(default)]
    pub reason: String,
}

/// Why a reversal cannot be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReversalError {
    #[error(
        "escriba por qué se revierte la compra (entre {REASON_MIN_CHARS} y {REASON_MAX_CHARS} caracteres)."
    )]
    ReasonLength,
    #[error("la compra no tiene la línea {line}.")]
    UnknownLine { line: u32 },
    #[error("la línea {line} está más de una vez.")]
    DuplicateLine { line: u32 },
    #[error("la compra se confirmó el {confirmed_on} y solo podía revertirse hasta el {last_day}.")]
    WindowClosed {
        confirmed_on: Fecha,
        last_day: Fecha,
    },
    #[error(
        "la compra es del {fecha}, en un periodo cerrado (cerrado hasta el {closed_through}): ya no se puede revertir."
    )]
    PeriodClosed { fecha: Fecha, closed_through: Fecha },
    #[error(
        "solo se revierten compras a explotadores mineros autorizados y comercializadores: {seller_type} no tiene saldos en la plataforma a los que devolver el mineral."
    )]
    NotReversible { seller_type: &'static str },
}

impl ErrorCode for ReversalError {
    fn code(&self) -> &'static str {
        match self {
            Self::ReasonLength => "reversal_reason_length",
            Self::UnknownLine { .. } => "reversal_unknown_line",
            Self::DuplicateLine { .. } => "reversal_duplicate_line",
            Self::WindowClosed { .. } => "reversal_window_closed",
            Self::PeriodClosed { .. } => "reversal_period_closed",
            Self::NotReversible { .. } => "reversal_not_applicable",
        }
    }
}

/// A reversal that may be asked for: the purchase's lines it returns (0-based, ascending) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    lines: Vec<usize>,
    reason: String,
}

/// The reason, trimmed, or why it is not one (the browser checks it before sending).
pub fn check_reason(reason: &str) -> Result<String, ReversalError> {
    let reason = reason.trim();
    if (REASON_MIN_CHARS..=REASON_MAX_CHARS).contains(&reason.chars().count()) {
        Ok(reason.to_owned())
    } else {
        Err(ReversalError::ReasonLength)
    }
}

impl ReversalDraft {
    /// Checks the request against the purchase it reverses: a seller with balances, inside the
    /// window counted from `confirmed_on`, the purchase's date in an open period, known lines
    /// without repeats, a reason. Every violation is reported at once, by field.
    pub fn validate(
        &self,
        compra: &Compra,
        confirmed_on: Fecha,
        today: Fecha,
        window: ReversalWindow,
        closings: &Closings,
    ) -> Result<Reversal, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut compra_error = |error: ReversalError| errors.push("compra", "Compra", &error);
        if !REVERSIBLE_SELLERS.contains(&compra.seller_type()) {
            compra_error(ReversalError::NotReversible {
                seller_type: compra.seller_type().label(),
            });
        }
        let last_day = window.last_day(confirmed_on);
        if today > last_day {
            compra_error(ReversalError::WindowClosed {
                confirmed_on,
                last_day,
            });
        }
        let fecha = compra.transaction_date();
        if let Some(closed_through) = closings
            .closed_through()
            .filter(|_| closings.is_closed(fecha))
        {
            compra_error(ReversalError::PeriodClosed {
                fecha,
                closed_through,
            });
        }
        let count = compra.lines().len();
        let mut lines: Vec<usize> = Vec::new();
        for (index, &line) in self.lines.iter().enumerate() {
            let field = format!("lines[{index}]");
            let position = usize::try_from(line).unwrap_or(usize::MAX);
            if position == 0 || position > count {
                errors.push(field, "Línea", &ReversalError::UnknownLine { line });
            } else if lines.contains(&(position - 1)) {
                errors.push(field, "Línea", &ReversalError::DuplicateLine { line });
            } else {
                lines.push(position - 1);
            }
        }
        if self.lines.is_empty() {
            lines = (0..count).collect();
        }
        lines.sort_unstable();
        let reason = check_reason(&self.reason)
            .map_err(|error| errors.push("reason", "Motivo", &error))
            .unwrap_or_default();
        if errors.is_empty() {
            Ok(Reversal { lines, reason })
        } else {
            Err(errors)
        }
    }
}

impl Reversal {
    /// The purchase's lines returned, 0-based and ascending.
    pub fn lines(&self) -> &[usize] {
        &self.lines
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether every line of the purchase comes back.
    pub fn is_whole(&self, compra: &Compra) -> bool {
        self.lines.len() == compra.lines().len()
    }

    /// What goes back from buyer to seller, per balance key, in the mineral's unit: the
    /// purchase's transfers restricted to the reversed lines.
    pub fn transfers(
        &self,
        compra: &Compra,
    ) -> Result<Vec<(BalanceKey, SaleQuantity)>, AllocationError> {
        compra.transfers_of(self.lines.iter().filter_map(|&i| compra.lines().get(i)))
    }

    /// What the seller approves with the reversal's code.
    pub fn consent(
        &self,
        compra: &Compra,
        buyer: &str,
        ptm_code: PtmTransactionCode,
    ) -> ReversalConsent {
        let consent = compra.consent(buyer);
        ReversalConsent {
            buyer: buyer.to_owned(),
            ptm_code,
            reason: self.reason.clone(),
            lines: self
                .lines
                .iter()
                .filter_map(|&i| consent.lines.get(i).cloned())
                .collect(),
        }
    }
}

/// What a reversal's validation code approves: whose purchase, which lines come back, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReversalConsent {
    pub buyer: String,
    pub ptm_code: PtmTransactionCode,
    pub reason: String,
    pub lines: Vec<ConsentLine>,
}

impl ReversalConsent {
    /// The digest the reversal's code is bound to (the parties by id, the purchase, every line
    /// and the reason): a reversal changed after the code went out voids the code.
    pub fn digest(&self, buyer_id: Uuid, seller_id: Uuid) -> Sha256Hex {
        let mut owned: Vec<Vec<u8>> = vec![
            b"reversion".to_vec(),
            buyer_id.as_bytes().to_vec(),
            seller_id.as_bytes().to_vec(),
            self.buyer.as_bytes().to_vec(),
            self.ptm_code.to_string().into_bytes(),
            self.reason.as_bytes().to_vec(),
            (self.lines.len() as u64).to_be_bytes().to_vec(),
        ];
        for line in &self.lines {
            owned.push(line.describe().into_bytes());
        }
        let fields: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        Sha256Hex::of_bytes(&length_prefixed(REVERSAL_CONSENT_ENCODING_VERSION, &fields))
    }

    /// The paragraphs of the code's email: who reverses which purchase, each line returned, why.
    pub fn email_paragraphs(&self) -> Vec<String> {
        let mut lines = format!(
            "{} solicita revertir la compra {} y devolverle a su organización:",
            self.buyer, self.ptm_code
        );
        for (index, line) in self.lines.iter().enumerate() {
            lines.push_str(&format!("\n{}. {}", index + 1, line.describe()));
        }
        vec![lines, format!("Motivo: {}", self.reason)]
    }

    /// The code's SMS, in one GSM-7 segment: the purchase, how many lines come back, the code.
    pub fn sms(&self, code: &str, validity_minutes: i32) -> String {
        let lines = match self.lines.len() {
            1 => "1 linea".to_owned(),
            n => format!("{n} lineas"),
        };
        let ptm = self.ptm_code.to_string();
        let short_ptm = ptm.get(..8).unwrap_or(&ptm);
        let text = to_gsm7(&format!(
            "Veta: reversion de la compra {short_ptm}, le devuelven {lines}. Detalle en su correo. Codigo de validacion: {code} ({validity_minutes} min)."
        ));
        debug_assert!(fits_one_segment(&text), "{text}");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compra::{LineDraft, example_draft};
    use proptest::prelude::*;

    fn f(text: &str) -> Fecha {
        Fecha::parse(text).expect("date")
    }

    fn two_lines() -> Compra {
        let mut draft = example_draft();
        draft.lines.push(LineDraft {
            mineral: "PLATA".into(),
            codigo_origen: "5A1C9E07".into(),
            quantity: "3".into(),
            unit: "g".into(),
            value: "1000".into(),
        });
        draft
            .validate(f("06/03/2025"), &Closings::none())
            .expect("valid")
    }

    fn draft(lines: Vec<u32>) -> ReversalDraft {
        ReversalDraft {
            lines,
            reason: "La plata llegó con menor ley de la pactada.".into(),
        }
    }

    fn validate(
        draft: &ReversalDraft,
        today: &str,
        closings: &Closings,
    ) -> Result<Reversal, ValidationErrors> {
        draft.validate(
            &two_lines(),
            f("06/03/2025"),
            f(today),
            ReversalWindow::default(),
            closings,
        )
    }

    #[test]
    fn no_lines_means_every_line() {
        let reversal = validate(&draft(vec![]), "07/03/2025", &Closings::none()).expect("valid");
        assert_eq!(reversal.lines(), &[0, 1]);
        assert!(reversal.is_whole(&two_lines()));
        assert_eq!(
            reversal.transfers(&two_lines()).expect("valid"),
            two_lines().transfers().expect("valid")
        );
    }

    #[test]
    fn some_lines_return_only_those() {
        let reversal = validate(&draft(vec![2]), "07/03/2025", &Closings::none()).expect("valid");
        assert!(!reversal.is_whole(&two_lines()));
        let transfers = reversal.transfers(&two_lines()).expect("valid");
        assert_eq!(transfers.len(), 1);
        assert_eq!(transfers[0].0.mineral.name(), "PLATA");
        assert_eq!(transfers[0].1, SaleQuantity::parse("3").expect("valid"));
    }

    #[test]
    fn the_window_counts_from_the_confirmation() {
        assert!(validate(&draft(vec![]), "05/04/2025", &Closings::none()).is_ok());
        let late = validate(&draft(vec![]), "06/04/2025", &Closings::none()).expect_err("refused");
        assert!(late.has_code("reversal_window_closed"), "{late}");
        assert!(late.errors[0].message.contains("05/04/2025"), "{late}");
    }

    #[test]
    fn a_closed_period_refuses() {
        let closings = Closings::from_dates([f("28/02/2025")]);
        let error = validate(&draft(vec![]), "07/03/2025", &closings).expect_err("refused");
        assert!(error.has_code("reversal_period_closed"), "{error}");
        let before = Closings::from_dates([f("31/01/2025")]);
        assert!(validate(&draft(vec![]), "07/03/2025", &before).is_ok());
    }

    #[test]
    fn every_field_error_at_once() {
        let bad = ReversalDraft {
            lines: vec![1, 1, 3, 0],
            reason: " corto ".into(),
        };
        let errors = validate(&bad, "07/03/2025", &Closings::none()).expect_err("refused");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines[1]", "lines[2]", "lines[3]", "reason"]);
        assert!(errors.has_code("reversal_duplicate_line"));
        assert!(errors.has_code("reversal_unknown_line"));
        assert!(errors.has_code("reversal_reason_length"));
    }

    #[test]
    fn the_consent_names_the_purchase_and_binds_the_lines() {
        let compra = two_lines();
        let ptm = PtmTransactionCode::from_random_bytes([7; 16]);
        let one = validate(&draft(vec![1]), "07/03/2025", &Closings::none()).expect("valid");
        let both = validate(&draft(vec![]), "07/03/2025", &Closings::none()).expect("valid");
        let consent = one.consent(&compra, "COMPRADORA S.A.S", ptm);
        let text = consent.email_paragraphs().join("\n");
        assert!(text.contains(&ptm.to_string()), "{text}");
        assert!(text.contains("1. 4DEB01BC · ORO"), "{text}");
        assert!(!text.contains("PLATA"), "{text}");
        let (buyer, seller) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_ne!(
            consent.digest(buyer, seller),
            both.consent(&compra, "COMPRADORA S.A.S", ptm)
                .digest(buyer, seller)
        );
        assert_ne!(consent.digest(buyer, seller), consent.digest(seller, buyer));
        let sms = consent.sms("12345678", 15);
        assert!(fits_one_segment(&sms) && sms.contains("12345678"), "{sms}");
    }

    proptest! {
        /// Whatever lines are chosen, the reversed transfers never exceed the purchase's own, key
        /// by key: a reversal returns at most what was bought.
        #[test]
        fn a_reversal_returns_at_most_the_purchase(choice in proptest::collection::vec(1u32..=2, 0..3)) {
            let compra = two_lines();
            if let Ok(reversal) = validate(&draft(choice), "07/03/2025", &Closings::none()) {
                let bought = compra.transfers().expect("valid");
                for (key, quantity) in reversal.transfers(&compra).expect("valid") {
                    let original = bought.iter().find(|(k, _)| *k == key).map(|(_, q)| *q);
                    prop_assert!(original.is_some_and(|q| quantity <= q));
                }
            }
        }
    }
}
