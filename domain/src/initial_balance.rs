//! *Registro de saldos iniciales*: the inventory an organisation holds when it starts on the
//! platform, declared per mineral with the SHA-256 of the inventory certificate its accountant
//! signed. The *Administrador OTTM* approves it (each lot becomes an origin code with a
//! `SALDO_INICIAL` posting, marked as an initial balance) or rejects it with a reason.
//!
//! ```
//! use domain::initial_balance::{DeclarationDraft, LotDraft};
//! use domain::Fecha;
//!
//! let draft = DeclarationDraft {
//!     as_of: "01/03/2026".into(),
//!     sha256: "ab".repeat(32),
//!     lots: vec![LotDraft { mineral: "ORO".into(), quantity: "1,5".into(), unit: "kg".into() }],
//! };
//! let declaration = draft.validate(Fecha::parse("28/11/2026").unwrap()).unwrap();
//! assert_eq!(declaration.lots[0].quantity.to_string(), "1.500,0000"); // grams
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::Mineral;
use crate::quantity::SaleQuantity;
use crate::sha256::Sha256Hex;
use crate::unit::Unit;
use crate::validation::ValidationErrors;

/// Most lots one declaration holds.
pub const LOTS_MAX: usize = 100;
/// Longest reason of a rejection.
pub const REASON_MAX_CHARS: usize = 1_000;

/// Where a declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeclarationStatus {
    /// Waits for the *Administrador OTTM* (one at a time per organisation).
    Pendiente,
    /// Approved: its lots were posted.
    Aprobada,
    /// Rejected with a reason: nothing was posted.
    Rechazada,
}

impl DeclarationStatus {
    pub const ALL: [DeclarationStatus; 3] = [Self::Pendiente, Self::Aprobada, Self::Rechazada];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pendiente => "PENDIENTE",
            Self::Aprobada => "APROBADA",
            Self::Rechazada => "RECHAZADA",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Pendiente => "Pendiente de aprobación",
            Self::Aprobada => "Aprobada",
            Self::Rechazada => "Rechazada",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.code() == code)
    }
}

/// The declaration as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeclarationDraft {
    /// `DD/MM/AAAA`: the date of the inventory.
    pub as_of: String,
    /// SHA-256 of the inventory certificate signed by the accountant.
    pub sha256: String,
    pub lots: Vec<LotDraft>,
}

/// One lot as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LotDraft {
    pub mineral: String,
    pub quantity: String,
    /// Empty means the mineral's unit.
    pub unit: String,
}

/// A declaration, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub as_of: Fecha,
    pub sha256: Sha256Hex,
    pub lots: Vec<Lot>,
}

/// One lot, in its mineral's unit (the unit balances are kept in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub mineral: Mineral,
    pub quantity: SaleQuantity,
}

/// Why a declaration is refused (beside its fields' own errors).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeclarationError {
    #[error("declare al menos un lote.")]
    NoLots,
    #[error("se admiten hasta {LOTS_MAX} lotes por declaración.")]
    TooManyLots,
    #[error("la unidad {unit} no mide {mineral} ({expected}).")]
    UnitMismatch {
        unit: Unit,
        mineral: &'static str,
        expected: Unit,
    },
    #[error(
        "la cantidad no se puede expresar exactamente en {unit} con 4 decimales; escríbala en {unit}."
    )]
    InexactConversion { unit: Unit },
    #[error("escriba el motivo del rechazo (hasta {REASON_MAX_CHARS} caracteres).")]
    ReasonRequired,
}

impl ErrorCode for DeclarationError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoLots => "declaration_no_lots",
            Self::TooManyLots => "declaration_too_many_lots",
            Self::UnitMismatch { .. } => "declaration_unit_mismatch",
            Self::InexactConversion { .. } => "declaration_inexact_conversion",
            Self::ReasonRequired => "declaration_reason_required",
        }
    }
}

impl DeclarationDraft {
    /// Every error at once, each on its field (`as_of`, `sha256`, `lots[0].quantity`…). The
    /// inventory's date may not be after `today`.
    pub fn validate(&self, today: Fecha) -> Result<Declaration, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let as_of = Fecha::parse(&self.as_of)
            .and_then(|fecha| fecha.check_not_future(today))
            .map_err(|error| errors.push("as_of", "Fecha del inventario", &error))
            .ok();
        let sha256 = Sha256Hex::parse(&self.sha256)
            .map_err(|error| errors.push("sha256", "Código SHA-256 del certificado", &error))
            .ok();
        if self.lots.is_empty() {
            errors.push("lots", "Lotes", &DeclarationError::NoLots);
        }
        if self.lots.len() > LOTS_MAX {
            errors.push("lots", "Lotes", &DeclarationError::TooManyLots);
        }
        let mut lots = Vec::new();
        for (index, lot) in self.lots.iter().enumerate().take(LOTS_MAX) {
            let label = |what: &str| format!("Lote {}, {what}", index + 1);
            let mineral = Mineral::resolve(&lot.mineral)
                .map_err(|error| {
                    errors.push(format!("lots[{index}].mineral"), &label("mineral"), &error);
                })
                .ok();
            let quantity = SaleQuantity::parse(&lot.quantity)
                .map_err(|error| {
                    errors.push(
                        format!("lots[{index}].quantity"),
                        &label("cantidad"),
                        &error,
                    );
                })
                .ok();
            let (Some(mineral), Some(quantity)) = (mineral, quantity) else {
                continue;
            };
            let unit = if lot.unit.trim().is_empty() {
                Ok(mineral.unit())
            } else {
                Unit::parse(&lot.unit)
            };
            let unit = match unit {
                Ok(unit) => unit,
                Err(error) => {
                    errors.push(format!("lots[{index}].unit"), &label("unidad"), &error);
                    continue;
                }
            };
            match in_mineral_unit(mineral, quantity, unit) {
                Ok(quantity) => lots.push(Lot { mineral, quantity }),
                Err(error) => errors.push(format!("lots[{index}].unit"), &label("unidad"), &error),
            }
        }
        match (as_of, sha256) {
            (Some(as_of), Some(sha256)) if errors.is_empty() => Ok(Declaration {
                as_of,
                sha256,
                lots,
            }),
            _ => Err(errors),
        }
    }
}

/// The quantity in the mineral's unit, exactly, within 4 decimals.
pub(crate) fn in_mineral_unit(
    mineral: Mineral,
    quantity: SaleQuantity,
    unit: Unit,
) -> Result<SaleQuantity, DeclarationError> {
    let expected = mineral.unit();
    let converted =
        unit.convert(quantity.value(), expected)
            .map_err(|_| DeclarationError::UnitMismatch {
                unit,
                mineral: mineral.name(),
                expected,
            })?;
    SaleQuantity::new(converted).map_err(|_| DeclarationError::InexactConversion { unit: expected })
}

/// A rejection's reason, trimmed, or why it cannot be one.
pub fn check_reason(reason: &str) -> Result<String, DeclarationError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(DeclarationError::ReasonRequired);
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> Fecha {
        Fecha::parse("28/11/2026").unwrap()
    }

    fn lot(mineral: &str, quantity: &str, unit: &str) -> LotDraft {
        LotDraft {
            mineral: mineral.into(),
            quantity: quantity.into(),
            unit: unit.into(),
        }
    }

    #[test]
    fn every_error_points_at_its_field() {
        let draft = DeclarationDraft {
            as_of: "01/12/2026".into(),
            sha256: "xyz".into(),
            lots: vec![
                lot("ORO", "100", ""),
                lot("KRIPTONITA", "1", ""),
                lot("ORO", "-1", "g"),
                lot("ORO", "1", "m3"),
                lot("ORO", "1", "ozt"),
            ],
        };
        let errors = draft.validate(today()).unwrap_err();
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "as_of",
                "sha256",
                "lots[1].mineral",
                "lots[2].quantity",
                "lots[3].unit",
                "lots[4].unit"
            ]
        );
    }

    #[test]
    fn a_declaration_needs_lots_and_a_rejection_a_reason() {
        let draft = DeclarationDraft {
            as_of: "01/03/2026".into(),
            sha256: "ab".repeat(32),
            lots: vec![],
        };
        assert_eq!(draft.validate(today()).unwrap_err().errors[0].field, "lots");
        assert!(check_reason("  ").is_err());
        assert_eq!(check_reason(" falta firma ").unwrap(), "falta firma");
    }
}
