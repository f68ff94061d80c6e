//! Colombia's departments and municipalities (DANE DIVIPOLA, March 2024), embedded.
//!
//! The tables ship inside the binary (`data/divipola*.csv`, 35 kB) and are parsed once, on first
//! use, so that the browser can fill its selectors and check a place without asking the server.
//! Look-ups by name ignore case, accents and punctuation: `"la virginia"`, `"Bogota, d.c."`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::{csv_records, echo, fold};

const DEPARTAMENTOS_CSV: &str = include_str!("../data/divipola_departamentos.csv");
const MUNICIPIOS_CSV: &str = include_str!("../data/divipola.csv");

/// Digits of a department code (`66`).
pub const DEPARTAMENTO_CODE_DIGITS: usize = 2;
/// Digits of a municipality code (`66400`): the department's two, then three.
pub const MUNICIPIO_CODE_DIGITS: usize = 5;

/// Other names people use for a department, folded (see `text::fold`), with its code.
const DEPARTAMENTO_ALIASES: [(&str, &str); 6] = [
    ("bogota", "11"),
    ("bogota distrito capital", "11"),
    ("san andres", "88"),
    ("san andres y providencia", "88"),
    ("guajira", "44"),
    ("valle", "76"),
];

/// A department (or Bogotá D.C.), by its DIVIPOLA code.
///
/// ```
/// use domain::Departamento;
/// let risaralda = Departamento::find("risaralda").unwrap();
/// assert_eq!(risaralda.code(), "66");
/// assert_eq!(Departamento::find("Bogota, d.c.").unwrap().code(), "11");
/// assert_eq!(Departamento::find("66").unwrap(), risaralda);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Departamento {
    code: &'static str,
    name: &'static str,
}

/// A municipality (or *área no municipalizada*), by its DIVIPOLA code.
///
/// ```
/// use domain::{Departamento, Municipio};
/// let risaralda = Departamento::find("RISARALDA").unwrap();
/// let la_virginia = Municipio::find_in(risaralda, "la virginia").unwrap();
/// assert_eq!(la_virginia.code(), "66400");
/// assert_eq!(la_virginia.departamento(), risaralda);
/// let caldas = Departamento::find("CALDAS").unwrap();
/// let error = Municipio::find_in(caldas, "La Virginia").unwrap_err();
/// assert!(error.to_string().contains("pertenece a RISARALDA"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Municipio {
    code: &'static str,
    name: &'static str,
    departamento: Departamento,
}

/// Why a department or municipality was not found or does not fit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlaceError {
    #[error("Seleccione el departamento.")]
    DepartamentoRequired,
    #[error("Seleccione el municipio.")]
    MunicipioRequired,
    #[error(
        "El departamento «{value}» no está en la DIVIPOLA; selecciónelo de la lista o escriba su código de 2 dígitos."
    )]
    UnknownDepartamento { value: String },
    #[error(
        "El municipio «{value}» no existe en {departamento}; selecciónelo de la lista o escriba su código de 5 dígitos."
    )]
    UnknownMunicipio { value: String, departamento: String },
    #[error(
        "El municipio {municipio} ({municipio_code}) pertenece a {actual_departamento}, no a {departamento}; corrija el departamento o el municipio."
    )]
    MunicipioNotInDepartamento {
        municipio: String,
        municipio_code: String,
        departamento: String,
        actual_departamento: String,
    },
}

impl ErrorCode for PlaceError {
    fn code(&self) -> &'static str {
        match self {
            Self::DepartamentoRequired => "departamento_required",
            Self::MunicipioRequired => "municipio_required",
            Self::UnknownDepartamento { .. } => "departamento_unknown",
            Self::UnknownMunicipio { .. } => "municipio_unknown",
            Self::MunicipioNotInDepartamento { .. } => "municipio_not_in_departamento",
        }
    }
}

struct Tables {
    departamentos: Vec<Departamento>,
    /// Sorted by code, hence grouped by department (the code starts with the department's).
    municipios: Vec<Municipio>,
    departamento_by_folded_name: BTreeMap<String, Departamento>,
    /// Names repeat across departments (67 of them: "LA UNIÓN", "SAN LUIS"…).
    municipios_by_folded_name: BTreeMap<String, Vec<Municipio>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut departamentos: Vec<Departamento> = csv_records(DEPARTAMENTOS_CSV)
            .map(|fields| match fields.as_slice() {
                [code, name] => Departamento { code, name },
                _ => panic!("divipola_departamentos.csv: 2 columns expected, got {fields:?}"),
            })
            .collect();
        departamentos.sort();
        let mut municipios: Vec<Municipio> = csv_records(MUNICIPIOS_CSV)
            .map(|fields| match fields.as_slice() {
                [dep_code, _, code, name] => {
                    let departamento = departamentos
                        .iter()
                        .copied()
                        .find(|d| d.code == *dep_code)
                        .expect("divipola.csv: every municipality's department is in divipola_departamentos.csv");
                    Municipio { code, name, departamento }
                }
                _ => panic!("divipola.csv: 4 columns expected, got {fields:?}"),
            })
            .collect();
        municipios.sort();
        let mut departamento_by_folded_name: BTreeMap<String, Departamento> =
            departamentos.iter().map(|d| (fold(d.name), *d)).collect();
        for (alias, code) in DEPARTAMENTO_ALIASES {
            let departamento = departamentos
                .iter()
                .copied()
                .find(|d| d.code == code)
                .expect("DEPARTAMENTO_ALIASES names existing codes");
            departamento_by_folded_name.insert(alias.to_owned(), departamento);
        }
        let mut municipios_by_folded_name: BTreeMap<String, Vec<Municipio>> = BTreeMap::new();
        for municipio in &municipios {
            municipios_by_folded_name.entry(fold(municipio.name)).or_default().push(*municipio);
        }
        // Bogotá's only municipality is also called plain "Bogotá".
        if let Some(bogota) = municipios.iter().find(|m| m.code == "11001") {
            municipios_by_folded_name.entry("bogota".to_owned()).or_default().push(*bogota);
        }
        Tables { departamentos, municipios, departamento_by_folded_name, municipios_by_folded_name }
    })
}

impl Departamento {
    /// Every department, by code (the order of the selector).
    pub fn all() -> &'static [Departamento] {
        &tables().departamentos
    }

    /// The department with this 2-digit code.
    pub fn by_code(code: &str) -> Option<Departamento> {
        let code = code.trim();
        tables()
            .departamentos
            .iter()
            .copied()
            .find(|d| d.code == code)
    }

    /// The department with this name, ignoring case, accents and punctuation; a few common short
    /// names are understood too ("Bogotá", "San Andrés", "Valle", "Guajira").
    pub fn by_name(name: &str) -> Option<Departamento> {
        tables()
            .departamento_by_folded_name
            .get(&fold(name))
            .copied()
    }

    /// Finds a department by code or by name, as typed or sent by an ERP.
    pub fn find(input: &str) -> Result<Departamento, PlaceError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PlaceError::DepartamentoRequired);
        }
        Self::by_code(trimmed)
            .or_else(|| Self::by_name(trimmed))
            .ok_or_else(|| PlaceError::UnknownDepartamento {
                value: echo(trimmed),
            })
    }

    /// The 2-digit DIVIPOLA code (`66`).
    pub fn code(self) -> &'static str {
        self.code
    }

    /// The official name, uppercase with accents (`RISARALDA`, `BOGOTÁ, D.C.`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The department's municipalities, by code: the browser's filtered list.
    pub fn municipios(self) -> &'static [Municipio] {
        municipios_of(self)
    }
}

/// The municipalities of a department, by code.
///
/// ```
/// use domain::{divipola::municipios_of, Departamento};
/// let quindio = Departamento::find("Quindío").unwrap();
/// assert_eq!(municipios_of(quindio).len(), 12);
/// ```
pub fn municipios_of(departamento: Departamento) -> &'static [Municipio] {
    let municipios = &tables().municipios;
    let start = municipios.partition_point(|m| m.departamento < departamento);
    let end = municipios.partition_point(|m| m.departamento <= departamento);
    &municipios[start..end]
}

impl Municipio {
    /// The municipality with this 5-digit code.
    pub fn by_code(code: &str) -> Option<Municipio> {
        let code = code.trim();
        let municipios = &tables().municipios;
        municipios
            .binary_search_by(|m| m.code.cmp(code))
            .ok()
            .and_then(|index| municipios.get(index).copied())
    }

    /// Every municipality with this name in the country (names repeat across departments).
    pub fn all_named(name: &str) -> &'static [Municipio] {
        tables()
            .municipios_by_folded_name
            .get(&fold(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Finds a municipality of `departamento` by its code or name. When the municipality exists but
    /// in another department, the error says which one, so the user fixes the right field.
    pub fn find_in(departamento: Departamento, input: &str) -> Result<Municipio, PlaceError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PlaceError::MunicipioRequired);
        }
        if let Some(by_code) = Self::by_code(trimmed) {
            check_belongs(departamento, by_code)?;
            return Ok(by_code);
        }
        let named = Self::all_named(trimmed);
        if let Some(found) = named.iter().find(|m| m.departamento == departamento) {
            return Ok(*found);
        }
        match named.first() {
            Some(elsewhere) => check_belongs(departamento, *elsewhere).map(|()| *elsewhere),
            None => Err(PlaceError::UnknownMunicipio {
                value: echo(trimmed),
                departamento: departamento.name.to_owned(),
            }),
        }
    }

    /// The 5-digit DIVIPOLA code (`66400`).
    pub fn code(self) -> &'static str {
        self.code
    }

    /// The official name, uppercase with accents (`LA VIRGINIA`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The department it belongs to.
    pub fn departamento(self) -> Departamento {
        self.departamento
    }
}

/// Checks that a municipality belongs to a department; the error names both.
pub fn check_belongs(departamento: Departamento, municipio: Municipio) -> Result<(), PlaceError> {
    if municipio.departamento == departamento {
        Ok(())
    } else {
        Err(PlaceError::MunicipioNotInDepartamento {
            municipio: municipio.name.to_owned(),
            municipio_code: municipio.code.to_owned(),
            departamento: departamento.name.to_owned(),
            actual_departamento: municipio.departamento.name.to_owned(),
        })
    }
}

impl fmt::Display for Departamento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Municipio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// JSON form: `{"code": "66", "name": "RISARALDA"}`.
impl Serialize for Departamento {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("Departamento", 2)?;
        state.serialize_field("code", self.code)?;
        state.serialize_field("name", self.name)?;
        state.end()
    }
}

/// JSON form: `{"code": "66400", "name": "LA VIRGINIA", "departamento_code": "66"}`.
impl Serialize for Municipio {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("Municipio", 3)?;
        state.serialize_field("code", self.code)?;
        state.serialize_field("name", self.name)?;
        state.serialize_field("departamento_code", self.departamento.code)?;
        state.end()
    }
}

/// What deserialises into a place: its code, alone or in an object (other fields are ignored: the
/// embedded table is the truth).
#[derive(Deserialize)]
#[serde(untagged)]
enum PlaceCode {
    Bare(String),
    Object { code: String },
}

impl PlaceCode {
    fn into_code(self) -> String {
        match self {
            Self::Bare(code) | Self::Object { code } => code,
        }
    }
}

impl<'de> Deserialize<'de> for Departamento {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = PlaceCode::deserialize(deserializer)?.into_code();
        Self::by_code(&code).ok_or_else(|| {
            serde::de::Error::custom(PlaceError::UnknownDepartamento { value: echo(&code) })
        })
    }
}

impl<'de> Deserialize<'de> for Municipio {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = PlaceCode::deserialize(deserializer)?.into_code();
        Self::by_code(&code).ok_or_else(|| {
            serde::de::Error::custom(PlaceError::UnknownMunicipio {
                value: echo(&code),
                departamento: "Colombia".to_owned(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn departamento(input: &str) -> Departamento {
        Departamento::find(input).expect(input)
    }

    #[test]
    fn table_sizes_match_the_readme() {
        assert_eq!(Departamento::all().len(), 33);
        assert_eq!(tables().municipios.len(), 1122);
        let total: usize = Departamento::all()
            .iter()
            .map(|d| municipios_of(*d).len())
            .sum();
        assert_eq!(total, 1122);
    }

    #[test]
    fn codes_have_their_digits_and_prefix() {
        for d in Departamento::all() {
            assert_eq!(d.code().len(), DEPARTAMENTO_CODE_DIGITS);
            for m in municipios_of(*d) {
                assert_eq!(m.code().len(), MUNICIPIO_CODE_DIGITS);
                assert!(m.code().starts_with(d.code()), "{}", m.code());
                assert_eq!(m.departamento(), *d);
            }
        }
    }

    #[test]
    fn seed_places() {
        let risaralda = departamento("RISARALDA");
        assert_eq!(
            Municipio::find_in(risaralda, "LA VIRGINIA").map(Municipio::code),
            Ok("66400")
        );
        let norte = departamento("norte de santander");
        assert_eq!(
            Municipio::find_in(norte, "HERRÁN").map(Municipio::code),
            Ok("54347")
        );
        assert_eq!(
            Municipio::find_in(norte, "herran").map(Municipio::code),
            Ok("54347")
        );
        assert_eq!(departamento("QUINDIO").code(), "63");
    }

    #[test]
    fn names_with_punctuation_and_accents() {
        assert_eq!(departamento("Bogota, d.c.").code(), "11");
        assert_eq!(departamento("BOGOTÁ D.C.").code(), "11");
        assert_eq!(departamento("bogotá").code(), "11");
        assert_eq!(departamento("San Andrés").code(), "88");
        assert_eq!(
            departamento("Archipiélago de San Andrés, Providencia y Santa Catalina").code(),
            "88"
        );
        let bogota = departamento("11");
        assert_eq!(
            Municipio::find_in(bogota, "Bogota").map(Municipio::code),
            Ok("11001")
        );
        let cauca = departamento("Cauca");
        assert_eq!(
            Municipio::find_in(cauca, "Piendamó-Tunía").map(Municipio::code),
            Ok("19548")
        );
    }

    #[test]
    fn repeated_names_resolve_inside_the_department() {
        let named = Municipio::all_named("La Unión");
        assert!(named.len() > 1);
        for m in named {
            assert_eq!(Municipio::find_in(m.departamento(), "la union"), Ok(*m));
        }
    }

    #[test]
    fn municipality_in_another_department_names_both() {
        let caldas = departamento("CALDAS");
        let error = Municipio::find_in(caldas, "LA VIRGINIA").expect_err("belongs to Risaralda");
        assert_eq!(
            error,
            PlaceError::MunicipioNotInDepartamento {
                municipio: "LA VIRGINIA".into(),
                municipio_code: "66400".into(),
                departamento: "CALDAS".into(),
                actual_departamento: "RISARALDA".into(),
            }
        );
        assert_eq!(error.code(), "municipio_not_in_departamento");
        // By code too.
        assert!(matches!(
            Municipio::find_in(caldas, "66400"),
            Err(PlaceError::MunicipioNotInDepartamento { .. })
        ));
    }

    #[test]
    fn unknown_and_empty_places() {
        assert_eq!(
            Departamento::find(" "),
            Err(PlaceError::DepartamentoRequired)
        );
        assert!(matches!(
            Departamento::find("Atlantis"),
            Err(PlaceError::UnknownDepartamento { .. })
        ));
        assert!(Departamento::find("67").is_err());
        let risaralda = departamento("RISARALDA");
        assert_eq!(
            Municipio::find_in(risaralda, ""),
            Err(PlaceError::MunicipioRequired)
        );
        let error = Municipio::find_in(risaralda, "Macondo").expect_err("fiction");
        assert!(error.to_string().contains("Macondo") && error.to_string().contains("RISARALDA"));
        assert!(Municipio::by_code("6640").is_none());
        assert!(Municipio::by_code("99999").is_none());
    }

    #[test]
    fn first_and_last_codes() {
        assert_eq!(
            Municipio::by_code("05001").map(Municipio::name),
            Some("MEDELLÍN")
        );
        assert_eq!(
            Municipio::by_code("99773").map(Municipio::name),
            Some("CUMARIBO")
        );
        assert_eq!(
            municipios_of(departamento("05")).first().map(|m| m.code()),
            Some("05001")
        );
    }

    #[test]
    fn serde_by_code() {
        let la_virginia = Municipio::by_code("66400").expect("exists");
        let json = serde_json::to_string(&la_virginia).expect("serialise");
        assert_eq!(
            json,
            r#"{"code":"66400","name":"LA VIRGINIA","departamento_code":"66"}"#
        );
        assert_eq!(
            serde_json::from_str::<Municipio>(&json).expect("object"),
            la_virginia
        );
        assert_eq!(
            serde_json::from_str::<Municipio>("\"66400\"").expect("bare"),
            la_virginia
        );
        let risaralda: Departamento = serde_json::from_str(r#"{"code":"66"}"#).expect("object");
        assert_eq!(risaralda.name(), "RISARALDA");
        assert!(serde_json::from_str::<Departamento>("\"00\"").is_err());
    }
}
