//! The registry of subsistence miners: who may sell as a *minero de subsistencia* and whether
//! they may sell now. The official registry is kept by the mayoralties in GÉNESIS and published
//! through RUCOM; the *Administrador OTTM* loads its CSV export here, as its stand-in. Every row
//! is read by the same rules as the rest of the platform (documents, names, DIVIPOLA, mobiles),
//! and a row that breaks one is reported by its line and refused, never half-loaded.
//!
//! # The file
//!
//! UTF-8, separated by `;` or `,` (the first line decides), with a header line naming the
//! columns in any order, accents and case ignored:
//!
//! | column | content |
//! | --- | --- |
//! | `tipo_documento` | `CC`, `CE` or `PPT` (a subsistence miner is a natural person) |
//! | `numero_documento` | the number |
//! | `nombres` | full name, as the registry writes it |
//! | `municipio` | DIVIPOLA code (5 digits) or a name that only one municipality has |
//! | `celular` | mobile, `3001234567` or `+573001234567` (the validation codes go there) |
//! | `correo` | optional: many miners have none |
//! | `estado` | `ACTIVO` or `INACTIVO` |
//!
//! ```
//! use domain::subsistence_registry::{parse_registry_csv, RegistryState};
//!
//! let csv = "tipo_documento;numero_documento;nombres;municipio;celular;correo;estado\n\
//!            CC;11801234;JOSÉ ANTONIO RENTERÍA MOSQUERA;27001;3001110003;;ACTIVO\n\
//!            TI;1001;MENOR DE EDAD;27001;3001110004;;ACTIVO\n";
//! let import = parse_registry_csv(csv);
//! assert_eq!(import.rows.len(), 1);
//! assert_eq!(import.rows[0].state, RegistryState::Activo);
//! assert_eq!(import.refused[0].line, 3);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::compra::SellerType;
use crate::contact::{EmailAddress, Mobile};
use crate::divipola::Municipio;
use crate::document::{DocumentNumber, DocumentType};
use crate::error_code::ErrorCode;
use crate::razon_social::RazonSocial;
use crate::text::{echo, fold};

/// Most rows one file may hold (a department's registry; split larger ones).
pub const REGISTRY_ROWS_MAX: usize = 50_000;
/// Most refused rows a report lists (it counts them all).
pub const REFUSED_LISTED_MAX: usize = 500;

/// Whether a miner of the registry may sell now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistryState {
    Activo,
    Inactivo,
}

impl RegistryState {
    pub const ALL: [RegistryState; 2] = [Self::Activo, Self::Inactivo];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Activo => "ACTIVO",
            Self::Inactivo => "INACTIVO",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Activo => "Activo",
            Self::Inactivo => "Inactivo",
        }
    }

    /// Reads a code, ignoring case and accents.
    pub fn parse(input: &str) -> Result<Self, RegistryRowError> {
        let folded = fold(input);
        Self::ALL
            .into_iter()
            .find(|state| fold(state.code()) == folded)
            .ok_or_else(|| RegistryRowError::UnknownState { value: echo(input) })
    }
}

impl fmt::Display for RegistryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One miner of the registry, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    /// The line of the file it came from (the header is line 1).
    pub line: usize,
    pub document: DocumentNumber,
    pub names: RazonSocial,
    pub municipio: Municipio,
    pub mobile: Mobile,
    pub email: Option<EmailAddress>,
    pub state: RegistryState,
}

/// A line of the file that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRow {
    pub line: usize,
    pub code: String,
    pub message: String,
}

/// What a file holds: the rows to load and the lines refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryImport {
    pub rows: Vec<RegistryRow>,
    pub refused: Vec<RefusedRow>,
    /// Lines refused in all (the list stops at [`REFUSED_LISTED_MAX`]).
    pub refused_count: usize,
}

impl RegistryImport {
    fn refuse(&mut self, line: usize, error: &RegistryRowError) {
        self.refused_count += 1;
        if self.refused.len() < REFUSED_LISTED_MAX {
            self.refused.push(RefusedRow {
                line,
                code: error.code().to_owned(),
                message: error.to_string(),
            });
        }
    }
}

/// Why a line (or the whole file) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistryRowError {
    #[error("el archivo está vacío: la primera línea debe nombrar las columnas.")]
    Empty,
    #[error("falta la columna «{column}» en la primera línea.")]
    MissingColumn { column: &'static str },
    #[error("el archivo tiene más de {REGISTRY_ROWS_MAX} filas: divídalo.")]
    TooManyRows,
    #[error("la línea no se puede leer como CSV: {detail}.")]
    Unreadable { detail: String },
    #[error("tipo de documento: {message}")]
    DocumentType { message: String },
    #[error(
        "tipo de documento: un minero de subsistencia es una persona natural mayor de edad (CC, CE o PPT)."
    )]
    DocumentTypeNotAllowed,
    #[error("número de documento: {message}")]
    DocumentNumber { message: String },
    #[error("nombres: {message}")]
    Names { message: String },
    #[error("municipio: «{value}» no es un código DIVIPOLA ni el nombre de un único municipio.")]
    UnknownMunicipio { value: String },
    #[error("celular: {message}")]
    Mobile { message: String },
    #[error("correo: {message}")]
    Email { message: String },
    #[error("estado: «{value}» no es ACTIVO ni INACTIVO.")]
    UnknownState { value: String },
    #[error("el documento {document} ya apareció en la línea {first}.")]
    Duplicate { document: String, first: usize },
}

impl ErrorCode for RegistryRowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "registry_empty",
            Self::MissingColumn { .. } => "registry_missing_column",
            Self::TooManyRows => "registry_too_many_rows",
            Self::Unreadable { .. } => "registry_unreadable",
            Self::DocumentType { .. } | Self::DocumentTypeNotAllowed => "registry_document_type",
            Self::DocumentNumber { .. } => "registry_document_number",
            Self::Names { .. } => "registry_names",
            Self::UnknownMunicipio { .. } => "registry_municipio",
            Self::Mobile { .. } => "registry_mobile",
            Self::Email { .. } => "registry_email",
            Self::UnknownState { .. } => "registry_state",
            Self::Duplicate { .. } => "registry_duplicate",
        }
    }
}

const COLUMNS: [&str; 7] = [
    "tipo_documento",
    "numero_documento",
    "nombres",
    "municipio",
    "celular",
    "correo",
    "estado",
];

/// Reads the registry's CSV export. A file without its header or columns is refused whole (line
/// 1); otherwise each line is loaded or refused on its own, with its line number.
pub fn parse_registry_csv(text: &str) -> RegistryImport {
    let mut import = RegistryImport::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(first_line) = text.lines().next().filter(|line| !line.trim().is_empty()) else {
        import.refuse(1, &RegistryRowError::Empty);
        return import;
    };
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| fold(h).replace(' ', "_")).collect(),
        Err(error) => {
            import.refuse(
                1,
                &RegistryRowError::Unreadable {
                    detail: error.to_string(),
                },
            );
            return import;
        }
    };
    let mut index = [0usize; 7];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        match header.iter().position(|h| h == column) {
            Some(position) => *slot = position,
            None => {
                import.refuse(1, &RegistryRowError::MissingColumn { column });
                return import;
            }
        }
    }
    let mut seen: BTreeMap<(DocumentType, String), usize> = BTreeMap::new();
    for (count, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(count + 2, |p| {
                usize::try_from(p.line()).unwrap_or(usize::MAX)
            });
        if count >= REGISTRY_ROWS_MAX {
            import.refuse(line, &RegistryRowError::TooManyRows);
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                import.refuse(
                    line,
                    &RegistryRowError::Unreadable {
                        detail: error.to_string(),
                    },
                );
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |column: usize| record.get(index[column]).unwrap_or("");
        match read_row(line, cell) {
            Ok(row) => {
                let key = (
                    row.document.document_type(),
                    row.document.as_str().to_owned(),
                );
                if let Some(first) = seen.get(&key) {
                    import.refuse(
                        line,
                        &RegistryRowError::Duplicate {
                            document: format!("{} {}", key.0.code(), key.1),
                            first: *first,
                        },
                    );
                } else {
                    seen.insert(key, line);
                    import.rows.push(row);
                }
            }
            Err(error) => import.refuse(line, &error),
        }
    }
    import
}

fn read_row<'a>(
    line: usize,
    cell: impl Fn(usize) -> &'a str,
) -> Result<RegistryRow, RegistryRowError> {
    let document_type =
        DocumentType::parse(cell(0)).map_err(|error| RegistryRowError::DocumentType {
            message: error.to_string(),
        })?;
    if !SellerType::MineroSubsistencia.allows_document_type(document_type) {
        return Err(RegistryRowError::DocumentTypeNotAllowed);
    }
    let document = DocumentNumber::parse(document_type, cell(1)).map_err(|error| {
        RegistryRowError::DocumentNumber {
            message: error.to_string(),
        }
    })?;
    let names = RazonSocial::parse(cell(2)).map_err(|error| RegistryRowError::Names {
        message: error.to_string(),
    })?;
    let municipio = find_municipio(cell(3))?;
    let mobile = Mobile::parse(cell(4)).map_err(|error| RegistryRowError::Mobile {
        message: error.to_string(),
    })?;
    let email = match cell(5) {
        "" => None,
        typed => Some(
            EmailAddress::parse(typed).map_err(|error| RegistryRowError::Email {
                message: error.to_string(),
            })?,
        ),
    };
    let state = RegistryState::parse(cell(6))?;
    Ok(RegistryRow {
        line,
        document,
        names,
        municipio,
        mobile,
        email,
        state,
    })
}

/// A DIVIPOLA code, or a name only one municipality has (there are several called «La Unión»).
fn find_municipio(value: &str) -> Result<Municipio, RegistryRowError> {
    let unknown = || RegistryRowError::UnknownMunicipio { value: echo(value) };
    if let Some(municipio) = Municipio::by_code(value) {
        return Ok(municipio);
    }
    match Municipio::all_named(value) {
        [only] => Ok(*only),
        _ => Err(unknown()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HEADER: &str = "tipo_documento;numero_documento;nombres;municipio;celular;correo;estado";

    fn file(rows: &[&str]) -> String {
        std::iter::once(HEADER)
            .chain(rows.iter().copied())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn good_rows_load_and_bad_rows_are_reported_by_line() {
        let import = parse_registry_csv(&file(&[
            "CC;11801234;JOSÉ ANTONIO RENTERÍA MOSQUERA;27001;3001110003;;ACTIVO",
            "NIT;900123456;EMPRESA;27001;3001110004;;ACTIVO",
            "CC;12;CORTO;27001;3001110004;;ACTIVO",
            "CC;11801235;ANA MOSQUERA;99999;3001110005;;ACTIVO",
            "CC;11801236;PEDRO PALACIOS;Quibdó;12345;;ACTIVO",
            "CC;11801237;LUZ CÓRDOBA;27001;3001110007;no-es-correo;ACTIVO",
            "CC;11801238;RAÚL PEREA;27001;3001110008;raul@correo.co;SUSPENDIDO",
            "CC;11801234;OTRA VEZ;27001;3001110003;;INACTIVO",
            "CE;998877;MARÍA LOZANO;quibdó;+573001110009;maria@correo.co;inactivo",
        ]));
        let lines: Vec<(usize, &str)> = import
            .refused
            .iter()
            .map(|r| (r.line, r.code.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (3, "registry_document_type"),
                (4, "registry_document_number"),
                (5, "registry_municipio"),
                (6, "registry_mobile"),
                (7, "registry_email"),
                (8, "registry_state"),
                (9, "registry_duplicate"),
            ]
        );
        assert_eq!(import.refused_count, 7);
        assert_eq!(import.rows.len(), 2);
        assert_eq!(import.rows[1].line, 10);
        assert_eq!(import.rows[1].state, RegistryState::Inactivo);
        assert_eq!(import.rows[1].municipio.code(), "27001");
        assert!(import.rows[0].email.is_none());
        assert!(import.refused[6].message.contains("línea 2"));
    }

    #[test]
    fn columns_may_come_in_any_order_with_commas() {
        let import = parse_registry_csv(
            "Estado,Celular,Nombres,Municipio,Número documento,Tipo documento,Correo\n\
             ACTIVO,3001110003,JOSÉ RENTERÍA,27001,11801234,CC,\n",
        );
        assert_eq!(import.refused, []);
        assert_eq!(import.rows[0].document.as_str(), "11801234");
    }

    #[test]
    fn a_file_without_its_columns_is_refused_whole() {
        assert_eq!(parse_registry_csv("").refused[0].code, "registry_empty");
        let import = parse_registry_csv("tipo_documento;numero_documento\nCC;1\n");
        assert_eq!(import.refused.len(), 1);
        assert_eq!(import.refused[0].line, 1);
        assert!(import.refused[0].message.contains("nombres"));
        assert!(import.rows.is_empty());
    }
}
