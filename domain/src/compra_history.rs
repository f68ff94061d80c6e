//! *Historial de compras*: every purchase of the buyer's organisation, whatever its kind and
//! state, filtered as the buyer asks, a page at a time, and exported as CSV. The filters are read
//! here once, for the browser and the server; the CSV cells are written here, so that a name
//! typed by someone else can never become a spreadsheet formula.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::compra::SellerType;
use crate::compra_status::CompraStatus;
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::Mineral;
use crate::validation::ValidationErrors;

/// Purchases on one page of a list of purchases (*Historial de compras*, *Transacciones en curso*).
pub const PAGE_ROWS: u32 = 50;
/// Most purchases one CSV export holds: past it, the buyer narrows the filters.
pub const HISTORY_EXPORT_ROWS_MAX: u32 = 10_000;
/// Longest seller text a search accepts.
pub const SELLER_SEARCH_MAX_CHARS: usize = 100;

/// The filters as typed: dates `DD/MM/AAAA`, the seller's name or document (part of it), and the
/// codes of the kind, state and mineral selectors. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryFilterDraft {
    pub desde: String,
    pub hasta: String,
    pub vendedor: String,
    pub tipo: String,
    pub estado: String,
    pub mineral: String,
}

/// The filters, read: each `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Registered on or after this day (Colombia's calendar).
    pub desde: Option<Fecha>,
    /// Registered on or before this day.
    pub hasta: Option<Fecha>,
    /// Part of the seller's razón social or document number, trimmed.
    pub vendedor: Option<String>,
    pub tipo: Option<SellerType>,
    pub estado: Option<CompraStatus>,
    pub mineral: Option<Mineral>,
}

/// Why the filters cannot be read (beside the dates' own errors).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistoryFilterError {
    #[error("la fecha final es anterior a la inicial.")]
    RangeReversed,
    #[error("escriba a lo sumo {SELLER_SEARCH_MAX_CHARS} caracteres.")]
    SellerTooLong,
    #[error("«{value}» no es una opción de la lista.")]
    UnknownOption { value: String },
}

impl ErrorCode for HistoryFilterError {
    fn code(&self) -> &'static str {
        match self {
            Self::RangeReversed => "history_range_reversed",
            Self::SellerTooLong => "history_seller_too_long",
            Self::UnknownOption { .. } => "history_unknown_option",
        }
    }
}

impl HistoryFilterDraft {
    /// Reads every filter, collecting an error per field in the order of the form.
    ///
    /// ```
    /// use domain::compra_history::HistoryFilterDraft;
    /// let draft = HistoryFilterDraft {
    ///     desde: "01/03/2025".into(),
    ///     hasta: "28/02/2025".into(),
    ///     estado: "CONFIRMADA".into(),
    ///     ..HistoryFilterDraft::default()
    /// };
    /// let errors = draft.validate().unwrap_err();
    /// assert_eq!(errors.errors[0].field, "hasta");
    /// assert_eq!(errors.errors[0].code, "history_range_reversed");
    /// ```
    pub fn validate(&self) -> Result<HistoryFilter, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut date = |field: &str, label: &str, text: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            Fecha::parse(text)
                .map_err(|error| errors.push(field, label, &error))
                .ok()
        };
        let desde = date("desde", "Desde", &self.desde);
        let hasta = date("hasta", "Hasta", &self.hasta);
        if let (Some(desde), Some(hasta)) = (desde, hasta)
            && hasta.date() < desde.date()
        {
            errors.push("hasta", "Hasta", &HistoryFilterError::RangeReversed);
        }
        let vendedor = self.vendedor.trim();
        if vendedor.chars().count() > SELLER_SEARCH_MAX_CHARS {
            errors.push("vendedor", "Vendedor", &HistoryFilterError::SellerTooLong);
        }
        let unknown = |value: &str| HistoryFilterError::UnknownOption {
            value: value.chars().take(40).collect(),
        };
        let tipo = option(&self.tipo, |code| {
            SellerType::ALL.into_iter().find(|kind| kind.code() == code)
        });
        let tipo = tipo.unwrap_or_else(|value| {
            errors.push("tipo", "Tipo de compra", &unknown(value));
            None
        });
        let estado = option(&self.estado, |code| CompraStatus::from_code(code).ok());
        let estado = estado.unwrap_or_else(|value| {
            errors.push("estado", "Estado", &unknown(value));
            None
        });
        let mineral = option(&self.mineral, |name| Mineral::resolve(name).ok());
        let mineral = mineral.unwrap_or_else(|value| {
            errors.push("mineral", "Mineral", &unknown(value));
            None
        });
        if !errors.errors.is_empty() {
            return Err(errors);
        }
        Ok(HistoryFilter {
            desde,
            hasta,
            vendedor: (!vendedor.is_empty()).then(|| vendedor.to_owned()),
            tipo,
            estado,
            mineral,
        })
    }
}

/// A selector's value: empty is "any", else it must be one of the options.
fn option<T>(text: &str, find: impl Fn(&str) -> Option<T>) -> Result<Option<T>, &str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    find(text).map(Some).ok_or(text)
}

/// One CSV line of `cells`, separated by `;` (what Excel expects in Colombia, where the decimal
/// separator is the comma) and ended by CRLF. A cell holding `;`, a quote or a line end is quoted;
/// a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
/// prefixed with `'`, so a razón social typed by someone else cannot run in the buyer's Excel.
///
/// ```
/// use domain::compra_history::csv_line;
/// assert_eq!(csv_line(&["ORO", "1.000,5 g"]), "ORO;1.000,5 g\r\n");
/// assert_eq!(csv_line(&["A;B", "dice \"hola\""]), "\"A;B\";\"dice \"\"hola\"\"\"\r\n");
/// assert_eq!(csv_line(&["=HYPERLINK(\"x\")"]), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
/// ```
pub fn csv_line(cells: &[&str]) -> String {
    let mut line = String::new();
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            line.push(';');
        }
        let neutral = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            (*cell).to_owned()
        };
        if neutral.contains([';', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&neutral.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&neutral);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_filters_are_any() {
        assert_eq!(
            HistoryFilterDraft::default().validate(),
            Ok(HistoryFilter::default())
        );
    }

    #[test]
    fn filters_are_read_into_domain_types() {
        let draft = HistoryFilterDraft {
            desde: " 01/02/2025 ".into(),
            hasta: "01/02/2025".into(),
            vendedor: "  diluvio ".into(),
            tipo: "COMERCIALIZADOR".into(),
            estado: "CONFIRMADA".into(),
            mineral: "oro".into(),
        };
        let filter = draft.validate().expect("valid filters");
        assert_eq!(filter.desde, Fecha::parse("01/02/2025").ok());
        assert_eq!(filter.vendedor.as_deref(), Some("diluvio"));
        assert_eq!(filter.tipo, Some(SellerType::Comercializador));
        assert_eq!(filter.estado, Some(CompraStatus::Confirmada));
        assert_eq!(filter.mineral.map(Mineral::name), Some("ORO"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let draft = HistoryFilterDraft {
            desde: "2025-02-01".into(),
            hasta: "31/02/2025".into(),
            vendedor: "x".repeat(SELLER_SEARCH_MAX_CHARS + 1),
            tipo: "CUALQUIERA".into(),
            estado: "BORRADA".into(),
            mineral: "kriptonita".into(),
        };
        let errors = draft.validate().expect_err("all wrong");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["desde", "hasta", "vendedor", "tipo", "estado", "mineral"]
        );
        assert!(errors.errors[5].message.contains("kriptonita"));
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for dangerous in ["=1+1", "+57", "-3", "@SUM(A1)", "\tx", "\rx"] {
            let line = csv_line(&[dangerous]);
            let cell = line.trim_end_matches("\r\n").trim_start_matches('"');
            assert!(cell.starts_with('\''), "{dangerous:?} → {line:?}");
        }
        assert_eq!(csv_line(&["", "a\nb"]), ";\"a\nb\"\r\n");
    }
}
