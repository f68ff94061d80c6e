//! The *Auditor ANM*'s desk: movements across organisations filtered by organisation, origin
//! code, mineral, kind and operation dates. The filters are read here once, for the browser and
//! the server.

use serde::{Deserialize, Serialize};

use crate::codigo_origen::CodigoOrigen;
use crate::compra_history::HistoryFilterError;
use crate::fecha::Fecha;
use crate::ledger_hash::MovementKind;
use crate::mineral::Mineral;
use crate::validation::ValidationErrors;

/// Most movements one search (and its CSV) lists, newest first: past it, narrow the filters.
pub const MOVEMENTS_LISTED_MAX: i64 = 2_000;
/// Longest organisation text a search accepts.
pub const ORGANIZATION_SEARCH_MAX_CHARS: usize = 100;

/// The filters as typed; empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MovementFilterDraft {
    /// Part of the razón social or document number.
    pub organizacion: String,
    pub codigo: String,
    pub mineral: String,
    /// A `MovementKind` code.
    pub tipo: String,
    /// Operation dates, `DD/MM/AAAA`.
    pub desde: String,
    pub hasta: String,
}

/// The filters, read: each `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MovementFilter {
    pub organizacion: Option<String>,
    pub codigo: Option<CodigoOrigen>,
    pub mineral: Option<Mineral>,
    pub tipo: Option<MovementKind>,
    pub desde: Option<Fecha>,
    pub hasta: Option<Fecha>,
}

/// A field's text, trimmed; `None` when blank.
fn text(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

impl MovementFilterDraft {
    /// Every error at once, on its field.
    pub fn validate(&self) -> Result<MovementFilter, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let organizacion = text(&self.organizacion).map(str::to_owned);
        if organizacion
            .as_ref()
            .is_some_and(|o| o.chars().count() > ORGANIZATION_SEARCH_MAX_CHARS)
        {
            errors.push(
                "organizacion",
                "Organización",
                &HistoryFilterError::SellerTooLong,
            );
        }
        let codigo = text(&self.codigo).and_then(|code| {
            CodigoOrigen::parse(code)
                .map_err(|e| errors.push("codigo", "Código de origen", &e))
                .ok()
        });
        let mineral = text(&self.mineral).and_then(|name| {
            Mineral::resolve(name)
                .map_err(|e| errors.push("mineral", "Mineral", &e))
                .ok()
        });
        let tipo = text(&self.tipo).and_then(|code| {
            let kind = MovementKind::from_code(code);
            if kind.is_none() {
                let error = HistoryFilterError::UnknownOption {
                    value: code.to_owned(),
                };
                errors.push("tipo", "Tipo de movimiento", &error);
            }
            kind
        });
        let mut date = |field: &'static str, label: &str, value: &str| {
            text(value).and_then(|v| {
                Fecha::parse(v)
                    .map_err(|e| errors.push(field, label, &e))
                    .ok()
            })
        };
        let desde = date("desde", "Desde", &self.desde);
        let hasta = date("hasta", "Hasta", &self.hasta);
        if let (Some(desde), Some(hasta)) = (desde, hasta)
            && hasta < desde
        {
            errors.push("hasta", "Hasta", &HistoryFilterError::RangeReversed);
        }
        if errors.is_empty() {
            Ok(MovementFilter {
                organizacion,
                codigo,
                mineral,
                tipo,
                desde,
                hasta,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_any_and_bad_fields_are_named() {
        assert_eq!(
            MovementFilterDraft::default().validate(),
            Ok(MovementFilter::default())
        );
        let read = MovementFilterDraft {
            organizacion: " diluvio ".into(),
            codigo: "4deb01bc".into(),
            mineral: "oro".into(),
            tipo: "COMPRA_SALIDA".into(),
            desde: "01/11/2026".into(),
            hasta: "30/11/2026".into(),
        }
        .validate()
        .expect("valid");
        assert_eq!(read.organizacion.as_deref(), Some("diluvio"));
        assert_eq!(read.tipo, Some(MovementKind::CompraSalida));
        let errors = MovementFilterDraft {
            codigo: "XYZ".into(),
            tipo: "ROBO".into(),
            desde: "30/11/2026".into(),
            hasta: "01/11/2026".into(),
            ..MovementFilterDraft::default()
        }
        .validate()
        .expect_err("bad");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["codigo", "tipo", "hasta"]);
    }
}
