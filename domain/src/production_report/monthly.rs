//! The month's production typed on a page or uploaded as CSV, for title holders without systems of
//! their own (issue 13): one line per title, mineral and month, in the mineral's unit. It counts as
//! reported production (environment *producción*) in the cross-check against sales.
//!
//! The CSV has one line per declaration, `titulo;mineral;mes;cantidad;unidad` (a header line
//! naming the columns may come first; `,` also separates when there is no `;`):
//!
//! ```text
//! titulo;mineral;mes;cantidad;unidad
//! T14292011-003;ORO;2026-10;1250,5;g
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::closing::Month;
use crate::codigo_expediente::CodigoExpediente;
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::initial_balance::in_mineral_unit;
use crate::mineral::Mineral;
use crate::quantity::SaleQuantity;
use crate::unit::Unit;
use crate::validation::ValidationErrors;

/// Most lines in one declaration (a holder's titles × minerals × a year of months, with room).
pub const MONTHLY_LINES_MAX: usize = 500;
/// The CSV's columns, in order.
pub const CSV_COLUMNS: [&str; 5] = ["titulo", "mineral", "mes", "cantidad", "unidad"];

/// A declaration as typed or uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonthlyDraft {
    pub lines: Vec<MonthlyLineDraft>,
}

/// One line as typed: every field a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonthlyLineDraft {
    /// Código de expediente of one of the holder's titles.
    pub titulo: String,
    pub mineral: String,
    /// `AAAA-MM`.
    pub mes: String,
    pub cantidad: String,
    /// Empty means the mineral's unit.
    pub unidad: String,
}

/// One line, read: the quantity in the mineral's unit (`Mineral::unit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyProduction {
    pub titulo: CodigoExpediente,
    pub mineral: Mineral,
    pub month: Month,
    pub quantity: SaleQuantity,
}

/// Why a declaration or one of its lines is refused (beside the fields' own errors).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MonthlyError {
    #[error("declare al menos una línea.")]
    NoLines,
    #[error("se admiten hasta {MONTHLY_LINES_MAX} líneas por declaración; divídala.")]
    TooManyLines,
    #[error("el mes {month} aún no ha empezado (el mes en curso es {current}).")]
    MonthInFuture { month: Month, current: Month },
    #[error("el título {titulo} no es de su organización; elija uno de sus títulos.")]
    TituloAjeno { titulo: String },
    #[error("repite el título, el mineral y el mes de la línea {first}; súmelas en una.")]
    Repeated { first: usize },
    #[error(
        "ese título, mineral y mes ya se declaró con {quantity} el {declared_on}; lo declarado no se modifica."
    )]
    AlreadyDeclared {
        quantity: String,
        declared_on: String,
    },
    #[error(
        "tiene {found} columna(s); se esperan 5 separadas por punto y coma: titulo;mineral;mes;cantidad;unidad."
    )]
    CsvColumns { found: usize },
}

impl ErrorCode for MonthlyError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoLines => "monthly_no_lines",
            Self::TooManyLines => "monthly_too_many_lines",
            Self::MonthInFuture { .. } => "monthly_month_in_future",
            Self::TituloAjeno { .. } => "titulo_ajeno",
            Self::Repeated { .. } => "monthly_repeated",
            Self::AlreadyDeclared { .. } => "monthly_already_declared",
            Self::CsvColumns { .. } => "monthly_csv_columns",
        }
    }
}

impl MonthlyDraft {
    /// Every error at once, each on its field (`lines[0].titulo`, `lines[2].cantidad`…; labels
    /// count lines from 1). `titles` are the holder's códigos de expediente; a month may not be
    /// after `today`'s.
    pub fn validate(
        &self,
        today: Fecha,
        titles: &[String],
    ) -> Result<Vec<MonthlyProduction>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.lines.is_empty() {
            errors.push("lines", "Líneas", &MonthlyError::NoLines);
        }
        if self.lines.len() > MONTHLY_LINES_MAX {
            errors.push("lines", "Líneas", &MonthlyError::TooManyLines);
        }
        let current = Month::of(today);
        let mut read: Vec<MonthlyProduction> = Vec::new();
        for (index, line) in self.lines.iter().enumerate().take(MONTHLY_LINES_MAX) {
            let label = |what: &str| format!("Línea {}, {what}", index + 1);
            let field = |name: &str| format!("lines[{index}].{name}");
            let titulo = errors
                .take(
                    field("titulo"),
                    &label("título"),
                    CodigoExpediente::parse(&line.titulo),
                )
                .and_then(|titulo| {
                    if titles.iter().any(|t| t == titulo.as_ref()) {
                        return Some(titulo);
                    }
                    let titulo = titulo.to_string();
                    errors.push(
                        field("titulo"),
                        &label("título"),
                        &MonthlyError::TituloAjeno { titulo },
                    );
                    None
                });
            let mineral = errors.take(
                field("mineral"),
                &label("mineral"),
                Mineral::resolve(&line.mineral),
            );
            let month = errors
                .take(field("mes"), &label("mes"), Month::parse(&line.mes))
                .and_then(|month| {
                    if month > current {
                        errors.push(
                            field("mes"),
                            &label("mes"),
                            &MonthlyError::MonthInFuture { month, current },
                        );
                        None
                    } else {
                        Some(month)
                    }
                });
            let quantity = errors.take(
                field("cantidad"),
                &label("cantidad"),
                SaleQuantity::parse(&line.cantidad),
            );
            let (Some(titulo), Some(mineral), Some(month), Some(quantity)) =
                (titulo, mineral, month, quantity)
            else {
                continue;
            };
            let unit = if line.unidad.trim().is_empty() {
                Ok(mineral.unit())
            } else {
                Unit::parse(&line.unidad)
            };
            let Some(unit) = errors.take(field("unidad"), &label("unidad"), unit) else {
                continue;
            };
            let Some(quantity) = errors.take(
                field("unidad"),
                &label("unidad"),
                in_mineral_unit(mineral, quantity, unit),
            ) else {
                continue;
            };
            let line = MonthlyProduction {
                titulo,
                mineral,
                month,
                quantity,
            };
            let same = |other: &MonthlyProduction| {
                (&other.titulo, other.mineral, other.month)
                    == (&line.titulo, line.mineral, line.month)
            };
            if let Some(first) = read.iter().position(same) {
                errors.push(
                    field("titulo"),
                    &label("título"),
                    &MonthlyError::Repeated { first: first + 1 },
                );
                continue;
            }
            read.push(line);
        }
        if errors.is_empty() {
            Ok(read)
        } else {
            Err(errors)
        }
    }

    /// Reads a CSV file's text into lines as typed (each field then checked by
    /// [`Self::validate`]); a line without its five columns is refused here, with its number.
    pub fn from_csv(text: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut lines = Vec::new();
        let rows = text
            .trim_start_matches('\u{feff}')
            .lines()
            .enumerate()
            .filter(|(_, row)| !row.trim().is_empty());
        for (number, row) in rows {
            let separator = if row.contains(';') { ';' } else { ',' };
            let cells: Vec<&str> = row.split(separator).map(str::trim).collect();
            if lines.is_empty()
                && errors.is_empty()
                && cells
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case("titulo"))
            {
                continue;
            }
            let [titulo, mineral, mes, cantidad, unidad] = cells[..] else {
                errors.push(
                    "csv",
                    &format!("Fila {} del archivo", number + 1),
                    &MonthlyError::CsvColumns { found: cells.len() },
                );
                continue;
            };
            lines.push(MonthlyLineDraft {
                titulo: titulo.to_owned(),
                mineral: mineral.to_owned(),
                mes: mes.to_owned(),
                cantidad: cantidad.to_owned(),
                unidad: unidad.to_owned(),
            });
        }
        if errors.is_empty() {
            Ok(Self { lines })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> Fecha {
        Fecha::parse("15/11/2026").unwrap()
    }

    fn titles() -> Vec<String> {
        vec!["T14292011-003".to_owned()]
    }

    fn line(
        titulo: &str,
        mineral: &str,
        mes: &str,
        cantidad: &str,
        unidad: &str,
    ) -> MonthlyLineDraft {
        MonthlyLineDraft {
            titulo: titulo.to_owned(),
            mineral: mineral.to_owned(),
            mes: mes.to_owned(),
            cantidad: cantidad.to_owned(),
            unidad: unidad.to_owned(),
        }
    }

    #[test]
    fn a_line_is_read_in_the_minerals_unit() {
        let draft = MonthlyDraft {
            lines: vec![line("T14292011-003", "oro", "2026-10", "1,5", "kg")],
        };
        let read = draft.validate(today(), &titles()).unwrap();
        assert_eq!(read[0].mineral, Mineral::resolve("ORO").unwrap());
        assert_eq!(read[0].month.to_string(), "2026-10");
        assert_eq!(read[0].quantity.value().to_string(), "1500");
        assert_eq!(read[0].mineral.unit(), Unit::Gram);
    }

    #[test]
    fn every_error_points_at_its_field() {
        let draft = MonthlyDraft {
            lines: vec![
                line("T99999999-001", "ORO", "2026-12", "0", "g"),
                line("T14292011-003", "PIEDRA LUNAR", "2026-13", "1.234", "m3"),
                line("T14292011-003", "ORO", "2026-11", "10", "m3"),
            ],
        };
        let errors = draft.validate(today(), &titles()).unwrap_err();
        let codes: Vec<(&str, &str)> = errors
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert!(
            codes.contains(&("lines[0].titulo", "titulo_ajeno")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("lines[0].mes", "monthly_month_in_future")),
            "{codes:?}"
        );
        assert!(
            codes.iter().any(|(f, _)| *f == "lines[0].cantidad"),
            "{codes:?}"
        );
        assert!(
            codes.iter().any(|(f, _)| *f == "lines[1].mineral"),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("lines[1].mes", "month_format")),
            "{codes:?}"
        );
        assert!(
            codes.iter().any(|(f, _)| *f == "lines[1].cantidad"),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("lines[2].unidad", "declaration_unit_mismatch")),
            "{codes:?}"
        );
        assert!(errors.errors[0].message.starts_with("Línea 1, título: "));
    }

    #[test]
    fn a_title_mineral_and_month_once_per_declaration() {
        let draft = MonthlyDraft {
            lines: vec![
                line("T14292011-003", "ORO", "2026-10", "1", ""),
                line("T14292011-003", "ORO", "2026-10", "2", "g"),
            ],
        };
        let errors = draft.validate(today(), &titles()).unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert_eq!(errors.errors[0].field, "lines[1].titulo");
        assert_eq!(errors.errors[0].code, "monthly_repeated");
        assert!(
            MonthlyDraft::default()
                .validate(today(), &titles())
                .unwrap_err()
                .has_code("monthly_no_lines")
        );
    }

    #[test]
    fn the_csv_has_an_optional_header_and_five_columns() {
        let csv = "\u{feff}titulo;mineral;mes;cantidad;unidad\r\n\
                   T14292011-003;ORO;2026-10;1.250,5;g\r\n\
                   \r\n\
                   T14292011-003,PLATA,2026-09,3,g\n";
        let draft = MonthlyDraft::from_csv(csv).unwrap();
        assert_eq!(draft.lines.len(), 2);
        assert_eq!(draft.lines[0].cantidad, "1.250,5");
        assert_eq!(draft.lines[1].mineral, "PLATA");
        let read = draft.validate(today(), &titles()).unwrap();
        assert_eq!(read[0].quantity.value().to_string(), "1250.5");

        let errors = MonthlyDraft::from_csv("T14292011-003;ORO;2026-10;1\n").unwrap_err();
        assert_eq!(errors.errors[0].field, "csv");
        assert_eq!(errors.errors[0].code, "monthly_csv_columns");
        assert!(
            errors.errors[0]
                .message
                .starts_with("Fila 1 del archivo: tiene 4 columna(s)")
        );
    }
}
