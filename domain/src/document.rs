//! Identity documents: the closed list of document types and a number valid for its type.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::nit::{Nit, NitError};
use crate::text::{echo, fold};

/// The identity documents a participant may present. Closed: the PTM accepts no other.
///
/// ```
/// use domain::DocumentType;
/// assert_eq!(DocumentType::parse("cc").unwrap(), DocumentType::CedulaCiudadania);
/// assert_eq!(DocumentType::Nit.code(), "NIT");
/// assert_eq!(DocumentType::Ppt.label(), "Permiso por Protección Temporal");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocumentType {
    /// Número de Identificación Tributaria (companies, and persons registered in the RUT).
    #[serde(rename = "NIT")]
    Nit,
    /// Cédula de ciudadanía (Colombian adults).
    #[serde(rename = "CC")]
    CedulaCiudadania,
    /// Cédula de extranjería (resident foreigners).
    #[serde(rename = "CE")]
    CedulaExtranjeria,
    /// Pasaporte.
    #[serde(rename = "PA")]
    Pasaporte,
    /// Permiso por Protección Temporal (Venezuelan migrants, Decreto 216 de 2021).
    #[serde(rename = "PPT")]
    Ppt,
    /// Tarjeta de identidad (minors aged 7 to 17).
    #[serde(rename = "TI")]
    TarjetaIdentidad,
}

/// Fewest characters of a document number other than a NIT.
pub const DOCUMENT_NUMBER_MIN_CHARS: usize = 3;

impl DocumentType {
    /// Every type, in the order the selector shows them.
    pub const ALL: [DocumentType; 6] = [
        Self::Nit,
        Self::CedulaCiudadania,
        Self::CedulaExtranjeria,
        Self::Pasaporte,
        Self::Ppt,
        Self::TarjetaIdentidad,
    ];

    /// Stable code for storage and the API (the PTM's own abbreviations).
    pub fn code(self) -> &'static str {
        match self {
            Self::Nit => "NIT",
            Self::CedulaCiudadania => "CC",
            Self::CedulaExtranjeria => "CE",
            Self::Pasaporte => "PA",
            Self::Ppt => "PPT",
            Self::TarjetaIdentidad => "TI",
        }
    }

    /// Spanish name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Nit => "NIT",
            Self::CedulaCiudadania => "Cédula de ciudadanía",
            Self::CedulaExtranjeria => "Cédula de extranjería",
            Self::Pasaporte => "Pasaporte",
            Self::Ppt => "Permiso por Protección Temporal",
            Self::TarjetaIdentidad => "Tarjeta de identidad",
        }
    }

    /// Reads a code (`CC`, `c.c.`, `nit`) or a label (`Cédula de ciudadanía`), ignoring case,
    /// accents and dots.
    pub fn parse(input: &str) -> Result<Self, DocumentTypeError> {
        let key = fold(input).replace(' ', "");
        if key.is_empty() {
            return Err(DocumentTypeError::Required);
        }
        Self::ALL
            .into_iter()
            .find(|t| fold(t.code()) == key || fold(t.label()).replace(' ', "") == key)
            .ok_or_else(|| DocumentTypeError::UnknownDocumentType { value: echo(input) })
    }

    /// Whether the number is digits only (the Registraduría's documents and the NIT).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Self::Nit | Self::CedulaCiudadania | Self::TarjetaIdentidad
        )
    }

    /// Longest number for the type, in characters (NIT: base digits without the check digit).
    ///
    /// CC: 10 digits (the Registraduría's current series); TI: 11 (older NUIP with birth date);
    /// CE, PPT: Migración Colombia issues 6–7 digits, 15 leaves room; PA: foreign passports vary
    /// (ICAO allows 9, some countries use more), 20 refuses only garbage.
    pub fn max_chars(self) -> usize {
        match self {
            Self::Nit => crate::nit::NIT_BASE_MAX_DIGITS,
            Self::CedulaCiudadania => 10,
            Self::TarjetaIdentidad => 11,
            Self::CedulaExtranjeria | Self::Ppt => 15,
            Self::Pasaporte => 20,
        }
    }

    /// Fewest characters for the type: old cédulas have few digits; 3 still refuses a stray key.
    pub fn min_chars(self) -> usize {
        match self {
            Self::Nit => crate::nit::NIT_BASE_MIN_DIGITS,
            Self::TarjetaIdentidad => 6,
            _ => DOCUMENT_NUMBER_MIN_CHARS,
        }
    }

    /// Whether the holder is a natural person (every type but the NIT, which companies hold; a
    /// person may hold a NIT too).
    pub fn is_personal(self) -> bool {
        !matches!(self, Self::Nit)
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for DocumentType {
    type Err = DocumentTypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a text is not a document type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentTypeError {
    #[error("Seleccione el tipo de documento.")]
    Required,
    #[error("El tipo de documento «{value}» no existe; use NIT, CC, CE, PA, PPT o TI.")]
    UnknownDocumentType { value: String },
}

impl ErrorCode for DocumentTypeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "document_type_required",
            Self::UnknownDocumentType { .. } => "document_type_unknown",
        }
    }
}

/// A document number valid for its type, in canonical form.
///
/// Separators people type are removed: dots and spaces in numeric documents (`16.358.139`), and
/// also hyphens in alphanumeric ones (`AB-123 456`). Letters are uppercased. A NIT keeps its check
/// digit and is shown `901304961-7`.
///
/// ```
/// use domain::{DocumentNumber, DocumentType};
/// let cc = DocumentNumber::parse(DocumentType::CedulaCiudadania, "16.358.139").unwrap();
/// assert_eq!(cc.as_str(), "16358139");
/// let nit = DocumentNumber::parse(DocumentType::Nit, "9013049617").unwrap();
/// assert_eq!(nit.as_str(), "901304961-7");
/// assert!(DocumentNumber::parse(DocumentType::CedulaCiudadania, "16A58139").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DocumentNumber {
    document_type: DocumentType,
    number: String,
}

/// Why a text is not a valid number for its document type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentNumberError {
    #[error("Escriba el número de documento ({}).", document_type.label())]
    Required { document_type: DocumentType },
    #[error("El número de {} solo admite dígitos; quite «{character}».", document_type.label())]
    NotDigits {
        document_type: DocumentType,
        character: char,
    },
    #[error("El número de {} solo admite letras y dígitos; quite «{character}».", document_type.label())]
    NotAlphanumeric {
        document_type: DocumentType,
        character: char,
    },
    #[error(
        "El número de {} debe tener entre {min} y {max} caracteres; tiene {found}.",
        document_type.label()
    )]
    LengthOutOfRange {
        document_type: DocumentType,
        min: usize,
        max: usize,
        found: usize,
    },
    #[error(transparent)]
    Nit(#[from] NitError),
}

impl ErrorCode for DocumentNumberError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required { .. } => "document_number_required",
            Self::NotDigits { .. } => "document_number_not_digits",
            Self::NotAlphanumeric { .. } => "document_number_not_alphanumeric",
            Self::LengthOutOfRange { .. } => "document_number_length",
            Self::Nit(error) => error.code(),
        }
    }
}

impl DocumentNumber {
    /// Parses a number as typed, for the given type.
    pub fn parse(document_type: DocumentType, input: &str) -> Result<Self, DocumentNumberError> {
        if input.trim().is_empty() {
            return Err(DocumentNumberError::Required { document_type });
        }
        if document_type == DocumentType::Nit {
            let nit = Nit::parse(input)?;
            return Ok(Self {
                document_type,
                number: nit.to_string(),
            });
        }
        let numeric = document_type.is_numeric();
        let mut number = String::with_capacity(input.len());
        for c in input.trim().chars() {
            let separator = matches!(c, '.' | ' ') || (!numeric && c == '-');
            if separator {
                continue;
            }
            if numeric && !c.is_ascii_digit() {
                return Err(DocumentNumberError::NotDigits {
                    document_type,
                    character: c,
                });
            }
            if !numeric && !c.is_ascii_alphanumeric() {
                return Err(DocumentNumberError::NotAlphanumeric {
                    document_type,
                    character: c,
                });
            }
            number.push(c.to_ascii_uppercase());
        }
        let (min, max) = (document_type.min_chars(), document_type.max_chars());
        let found = number.len();
        if !(min..=max).contains(&found) {
            return Err(DocumentNumberError::LengthOutOfRange {
                document_type,
                min,
                max,
                found,
            });
        }
        Ok(Self {
            document_type,
            number,
        })
    }

    /// The document's type.
    pub fn document_type(&self) -> DocumentType {
        self.document_type
    }

    /// The canonical number (`901304961-7` for a NIT).
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The NIT, when the document is one.
    pub fn nit(&self) -> Option<Nit> {
        match self.document_type {
            DocumentType::Nit => Nit::parse(&self.number).ok(),
            _ => None,
        }
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.document_type.code(), self.number)
    }
}

/// Deserialises `{ "document_type": "NIT", "number": "..." }` through [`DocumentNumber::parse`], so
/// that no invalid number enters through JSON.
impl<'de> Deserialize<'de> for DocumentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            document_type: DocumentType,
            number: String,
        }
        let raw = Raw::deserialize(deserializer)?;
        Self::parse(raw.document_type, &raw.number).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_are_stable_and_unique() {
        let codes: Vec<_> = DocumentType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes, ["NIT", "CC", "CE", "PA", "PPT", "TI"]);
        for t in DocumentType::ALL {
            assert_eq!(DocumentType::parse(t.code()), Ok(t));
            assert_eq!(DocumentType::parse(t.label()), Ok(t));
            assert_eq!(DocumentType::parse(&t.code().to_lowercase()), Ok(t));
            let json = serde_json::to_string(&t).expect("serialise");
            assert_eq!(json, format!("\"{}\"", t.code()));
        }
    }

    #[test]
    fn document_type_spellings() {
        assert_eq!(
            DocumentType::parse(" c.c. "),
            Ok(DocumentType::CedulaCiudadania)
        );
        assert_eq!(
            DocumentType::parse("cedula de extranjeria"),
            Ok(DocumentType::CedulaExtranjeria)
        );
        assert_eq!(DocumentType::parse(""), Err(DocumentTypeError::Required));
        let unknown = DocumentType::parse("ESCRITURA").expect_err("not a document type");
        assert_eq!(unknown.code(), "document_type_unknown");
        assert!(unknown.to_string().contains("ESCRITURA"));
    }

    #[test]
    fn cedula_accepts_dots_and_refuses_letters() {
        let cc =
            DocumentNumber::parse(DocumentType::CedulaCiudadania, " 16.358.139 ").expect("valid");
        assert_eq!(cc.as_str(), "16358139");
        assert_eq!(cc.to_string(), "CC 16358139");
        assert_eq!(
            DocumentNumber::parse(DocumentType::CedulaCiudadania, "16-358"),
            Err(DocumentNumberError::NotDigits {
                document_type: DocumentType::CedulaCiudadania,
                character: '-'
            })
        );
    }

    #[test]
    fn length_bounds_per_type() {
        for t in DocumentType::ALL
            .into_iter()
            .filter(|t| *t != DocumentType::Nit)
        {
            let shortest = "1".repeat(t.min_chars());
            let longest = "1".repeat(t.max_chars());
            assert!(DocumentNumber::parse(t, &shortest).is_ok(), "{t} min");
            assert!(DocumentNumber::parse(t, &longest).is_ok(), "{t} max");
            let short = "1".repeat(t.min_chars() - 1);
            let long = "1".repeat(t.max_chars() + 1);
            assert!(
                matches!(
                    DocumentNumber::parse(t, &short),
                    Err(DocumentNumberError::LengthOutOfRange { .. })
                ),
                "{t} under"
            );
            let error = DocumentNumber::parse(t, &long).expect_err("over the bound");
            assert_eq!(error.code(), "document_number_length");
            assert!(error.to_string().contains(t.label()), "{error}");
        }
    }

    #[test]
    fn alphanumeric_documents() {
        let pa = DocumentNumber::parse(DocumentType::Pasaporte, "ab-123 456").expect("valid");
        assert_eq!(pa.as_str(), "AB123456");
        assert!(matches!(
            DocumentNumber::parse(DocumentType::Ppt, "12#45678"),
            Err(DocumentNumberError::NotAlphanumeric { character: '#', .. })
        ));
        assert!(matches!(
            DocumentNumber::parse(DocumentType::CedulaExtranjeria, "ÑA1234"),
            Err(DocumentNumberError::NotAlphanumeric {
                character: 'Ñ', ..
            })
        ));
    }

    #[test]
    fn nit_documents_verify_the_check_digit() {
        let nit = DocumentNumber::parse(DocumentType::Nit, "9013049617").expect("seed 000");
        assert_eq!(nit.as_str(), "901304961-7");
        assert_eq!(nit.nit().map(|n| n.check_digit()), Some(7));
        let error =
            DocumentNumber::parse(DocumentType::Nit, "9013049618").expect_err("wrong digit");
        assert_eq!(error.code(), "nit_check_digit");
        assert_eq!(
            DocumentNumber::parse(DocumentType::Nit, " "),
            Err(DocumentNumberError::Required {
                document_type: DocumentType::Nit
            })
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let cc = DocumentNumber::parse(DocumentType::CedulaCiudadania, "16358139").expect("valid");
        let json = serde_json::to_string(&cc).expect("serialise");
        assert_eq!(json, r#"{"document_type":"CC","number":"16358139"}"#);
        let back: DocumentNumber = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, cc);
        let bad = r#"{"document_type":"NIT","number":"901304961-8"}"#;
        assert!(serde_json::from_str::<DocumentNumber>(bad).is_err());
    }
}
