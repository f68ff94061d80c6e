//! Minerals, their royalty groups and units: the ANM master list, embedded, and the look-up that
//! turns what people and ERPs write ("oro", "MINERALES DE ORO Y SUS CONCENTRADOS") into one mineral.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::{csv_records, echo, fold};
use crate::unit::{Unit, UnitError};

/// The royalty groups of Ley 141 de 1994 / Ley 685 de 2001, as `minerales.csv` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MineralGroup {
    MetalesPreciosos,
    PiedrasPreciosas,
    Carbon,
    MineralesMetalicos,
    MineralesNoMetalicos,
    MaterialesConstruccion,
}

impl MineralGroup {
    /// Every group, in the order of the royalty tables.
    pub const ALL: [MineralGroup; 6] = [
        Self::MetalesPreciosos,
        Self::PiedrasPreciosas,
        Self::Carbon,
        Self::MineralesMetalicos,
        Self::MineralesNoMetalicos,
        Self::MaterialesConstruccion,
    ];

    /// Stable code, as `minerales.csv` and the JSON write it (`METALES_PRECIOSOS`).
    pub fn code(self) -> &'static str {
        match self {
            Self::MetalesPreciosos => "METALES_PRECIOSOS",
            Self::PiedrasPreciosas => "PIEDRAS_PRECIOSAS",
            Self::Carbon => "CARBON",
            Self::MineralesMetalicos => "MINERALES_METALICOS",
            Self::MineralesNoMetalicos => "MINERALES_NO_METALICOS",
            Self::MaterialesConstruccion => "MATERIALES_CONSTRUCCION",
        }
    }

    /// Spanish name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::MetalesPreciosos => "Metales preciosos",
            Self::PiedrasPreciosas => "Piedras preciosas",
            Self::Carbon => "Carbón",
            Self::MineralesMetalicos => "Minerales metálicos",
            Self::MineralesNoMetalicos => "Minerales no metálicos",
            Self::MaterialesConstruccion => "Materiales de construcción",
        }
    }

    /// The group with this code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code.trim())
    }
}

/// A mineral of the master list (`data/minerales.csv`): its canonical name, royalty group and the
/// unit its balances are kept in.
///
/// Lines of a purchase may be typed in another unit of the same dimension (kg of gold), but
/// balances are always kept in the mineral's own unit so that grams are never compared with kilos.
///
/// ```
/// use domain::{Mineral, Unit};
/// let oro = Mineral::resolve("oro").unwrap();
/// assert_eq!(oro.name(), "ORO");
/// assert_eq!(oro.unit(), Unit::Gram);
/// assert_eq!(Mineral::resolve("MINERALES DE ORO Y SUS CONCENTRADOS").unwrap(), oro);
/// assert_eq!(Mineral::resolve("CARBON").unwrap().name(), "CARBÓN");
/// assert!(Mineral::resolve("kryptonita").unwrap_err().to_string().contains("kryptonita"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mineral {
    name: &'static str,
    group: MineralGroup,
    unit: Unit,
    source: &'static str,
}

/// Why a text names no mineral of the list.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MineralError {
    #[error("Seleccione el mineral.")]
    Required,
    #[error(
        "El mineral «{value}» no está en la lista de minerales de la ANM; selecciónelo de la lista."
    )]
    UnknownMineral { value: String },
}

impl ErrorCode for MineralError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "mineral_required",
            Self::UnknownMineral { .. } => "mineral_unknown",
        }
    }
}

const MINERALES_CSV: &str = include_str!("../data/minerales.csv");
const MINERALES_ALIAS_CSV: &str = include_str!("../data/minerales_alias.csv");

struct Tables {
    /// In the order of the CSV (precious metals first: the order of the selector).
    minerals: Vec<Mineral>,
    /// Folded canonical names and aliases → index in `minerals`.
    by_folded_name: BTreeMap<String, usize>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let minerals: Vec<Mineral> = csv_records(MINERALES_CSV)
            .map(|fields| match fields.as_slice() {
                [name, group, unit, source] => Mineral {
                    name,
                    group: MineralGroup::from_code(group).expect("minerales.csv: known group"),
                    unit: Unit::parse(unit).expect("minerales.csv: known unit"),
                    source,
                },
                _ => panic!("minerales.csv: 4 columns expected, got {fields:?}"),
            })
            .collect();
        let mut by_folded_name: BTreeMap<String, usize> = minerals
            .iter()
            .enumerate()
            .map(|(index, m)| (fold(m.name), index))
            .collect();
        for fields in csv_records(MINERALES_ALIAS_CSV) {
            let [alias, name] = fields.as_slice() else {
                panic!("minerales_alias.csv: 2 columns expected, got {fields:?}");
            };
            let index = minerals
                .iter()
                .position(|m| m.name == *name)
                .expect("minerales_alias.csv: every alias points to a mineral of minerales.csv");
            by_folded_name.insert(fold(alias), index);
        }
        Tables {
            minerals,
            by_folded_name,
        }
    })
}

impl Mineral {
    /// Every mineral of the master list, in its order.
    pub fn all() -> &'static [Mineral] {
        &tables().minerals
    }

    /// Finds the mineral a text names: its canonical name or any alias of the ANM/RUCOM sources,
    /// ignoring case, accents and punctuation.
    pub fn resolve(input: &str) -> Result<Mineral, MineralError> {
        let key = fold(input);
        if key.is_empty() {
            return Err(MineralError::Required);
        }
        let tables = tables();
        tables
            .by_folded_name
            .get(&key)
            .and_then(|index| tables.minerals.get(*index).copied())
            .ok_or_else(|| MineralError::UnknownMineral { value: echo(input) })
    }

    /// The canonical name, uppercase with accents (`ORO`, `CARBÓN`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The royalty group.
    pub fn group(self) -> MineralGroup {
        self.group
    }

    /// The unit the mineral's balances are kept in.
    pub fn unit(self) -> Unit {
        self.unit
    }

    /// Where the row of the master list comes from; rows whose unit was inferred say so, and are
    /// correctable data rather than law.
    pub fn source(self) -> &'static str {
        self.source
    }

    /// Checks that a quantity of this mineral may be expressed in `unit` (same dimension).
    pub fn check_unit(self, unit: Unit) -> Result<(), UnitError> {
        if unit.dimension() == self.unit.dimension() {
            Ok(())
        } else {
            Err(UnitError::MineralUnitMismatch {
                mineral: self.name.to_owned(),
                mineral_unit: self.unit,
                unit,
            })
        }
    }
}

impl fmt::Display for Mineral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// JSON form: the canonical name (`"ORO"`).
impl Serialize for Mineral {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

/// Accepts the canonical name or any alias, like [`Mineral::resolve`].
impl<'de> Deserialize<'de> for Mineral {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::resolve(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mineral(name: &str) -> Mineral {
        Mineral::resolve(name).expect(name)
    }

    #[test]
    fn master_list_is_complete() {
        assert_eq!(Mineral::all().len(), 80);
        for m in Mineral::all() {
            assert_eq!(Mineral::resolve(m.name()), Ok(*m));
        }
        for g in MineralGroup::ALL {
            assert_eq!(MineralGroup::from_code(g.code()), Some(g));
            assert_eq!(
                serde_json::to_string(&g).expect("json"),
                format!("\"{}\"", g.code())
            );
        }
    }

    #[test]
    fn every_alias_resolves() {
        let aliases: Vec<_> = csv_records(MINERALES_ALIAS_CSV).collect();
        assert_eq!(aliases.len(), 240);
        for fields in aliases {
            let resolved = Mineral::resolve(fields[0]).expect(fields[0]);
            assert_eq!(resolved.name(), fields[1]);
        }
    }

    #[test]
    fn seed_spellings() {
        let oro = mineral("ORO");
        for spelling in [
            "oro",
            "Oro",
            " ORO ",
            "MINERALES DE ORO Y SUS CONCENTRADOS",
            "oro de aluvión",
        ] {
            assert_eq!(mineral(spelling), oro, "{spelling}");
        }
        assert_eq!(oro.group(), MineralGroup::MetalesPreciosos);
        assert_eq!(mineral("Plata").unit(), Unit::Gram);
        let carbon = mineral("CARBON");
        assert_eq!(carbon.name(), "CARBÓN");
        assert_eq!(carbon.unit(), Unit::Tonne);
        assert_eq!(mineral("cobre").unit(), Unit::Kilogram);
        assert_eq!(mineral("esmeraldas").unit(), Unit::Carat);
        assert_eq!(mineral("arenas").unit(), Unit::CubicMetre);
    }

    #[test]
    fn unknown_minerals_name_the_value() {
        assert_eq!(Mineral::resolve("  "), Err(MineralError::Required));
        let error = Mineral::resolve("kryptonita").expect_err("fiction");
        assert_eq!(
            error,
            MineralError::UnknownMineral {
                value: "kryptonita".into()
            }
        );
        assert_eq!(error.code(), "mineral_unknown");
    }

    #[test]
    fn units_must_share_the_mineral_dimension() {
        let oro = mineral("ORO");
        assert_eq!(oro.check_unit(Unit::Kilogram), Ok(()));
        assert_eq!(oro.check_unit(Unit::TroyOunce), Ok(()));
        let error = oro
            .check_unit(Unit::CubicMetre)
            .expect_err("volume for gold");
        assert_eq!(error.code(), "unit_incompatible_with_mineral");
        assert!(error.to_string().contains("ORO"), "{error}");
        let arenas = mineral("ARENAS");
        assert!(arenas.check_unit(Unit::Tonne).is_err());
        assert_eq!(arenas.check_unit(Unit::CubicMetre), Ok(()));
    }

    #[test]
    fn serde_uses_the_canonical_name() {
        let carbon = mineral("carbon");
        assert_eq!(serde_json::to_string(&carbon).expect("json"), "\"CARBÓN\"");
        assert_eq!(
            serde_json::from_str::<Mineral>("\"carbon\"").expect("alias"),
            carbon
        );
        assert!(serde_json::from_str::<Mineral>("\"kryptonita\"").is_err());
    }
}
