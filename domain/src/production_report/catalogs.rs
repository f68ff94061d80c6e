//! The small tables of the production report: the type of variable, the type of
//! material and the unit of measure.
//!
//! The ANM's *Manual Técnico* holds the tables of ids the seed refers to ("Tabla Tipo variable",
//! "tipo material"), but they are not in the user guide we have. These are Veta's own, documented
//! here and in the OpenAPI description: each entry has a stable id (what an ERP sends in
//! `tipo_variable_id`…), a stable code and a Spanish label, and a request may name an entry by any
//! of the three. Ids are never reused; new entries get new ids.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::{echo, fold};
use crate::unit::{Dimension, Unit};

/// Why a value names no entry of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogError {
    #[error("Es obligatorio; use uno de: {allowed}.")]
    Required { allowed: String },
    #[error("«{value}» no está en la tabla; use uno de: {allowed}.")]
    Unknown { value: String, allowed: String },
}

impl ErrorCode for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required { .. } => "required",
            Self::Unknown { .. } => "catalog_unknown",
        }
    }
}

/// A table of ids, codes and labels.
pub trait Catalog: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn id(self) -> i32;
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    /// Other spellings accepted (folded).
    fn aliases(self) -> &'static [&'static str] {
        &[]
    }

    /// `"1 (PESO), 2 (VOLUMEN)…"`, for messages.
    fn allowed() -> String {
        Self::ALL
            .iter()
            .map(|e| format!("{} ({})", e.id(), e.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The entry with this id.
    fn from_id(id: i64) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| i64::from(e.id()) == id)
    }

    /// The entry a text names: its id, code, label or an alias, ignoring case and accents.
    fn parse(input: &str) -> Result<Self, CatalogError> {
        let key = fold(input);
        if key.is_empty() {
            return Err(CatalogError::Required {
                allowed: Self::allowed(),
            });
        }
        if let Ok(id) = key.parse::<i64>() {
            return Self::from_id(id).ok_or_else(|| CatalogError::Unknown {
                value: echo(input),
                allowed: Self::allowed(),
            });
        }
        Self::ALL
            .iter()
            .copied()
            .find(|e| {
                fold(e.code()) == key
                    || fold(e.label()) == key
                    || e.aliases().iter().any(|a| fold(a) == key)
            })
            .ok_or_else(|| CatalogError::Unknown {
                value: echo(input),
                allowed: Self::allowed(),
            })
    }
}

/// *Tipo variable*: what a measurement measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TipoVariable {
    /// 1 — weight or mass (básculas): a unit of mass.
    Peso,
    /// 2 — volume: m3.
    Volumen,
    /// 3 — grade or quality of the material: %, g/t, ppm, BTU/lb.
    Ley,
    /// 4 — moisture: %.
    Humedad,
    /// 5 — any other variable agreed with the ANM: any unit.
    Otro,
}

impl Catalog for TipoVariable {
    const ALL: &'static [Self] = &[
        Self::Peso,
        Self::Volumen,
        Self::Ley,
        Self::Humedad,
        Self::Otro,
    ];
    fn id(self) -> i32 {
        match self {
            Self::Peso => 1,
            Self::Volumen => 2,
            Self::Ley => 3,
            Self::Humedad => 4,
            Self::Otro => 5,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Self::Peso => "PESO",
            Self::Volumen => "VOLUMEN",
            Self::Ley => "LEY",
            Self::Humedad => "HUMEDAD",
            Self::Otro => "OTRO",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Peso => "Peso / masa",
            Self::Volumen => "Volumen",
            Self::Ley => "Ley / calidad",
            Self::Humedad => "Humedad",
            Self::Otro => "Otro",
        }
    }
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Peso => &["masa", "peso masa"],
            Self::Ley => &["calidad", "ley calidad"],
            _ => &[],
        }
    }
}

impl TipoVariable {
    /// Whether a measurement of this variable may be expressed in `unit`.
    pub fn accepts(self, unit: MeasureUnit) -> bool {
        match self {
            Self::Peso => unit.mass_unit().is_some(),
            Self::Volumen => unit == MeasureUnit::MetroCubico,
            Self::Ley => matches!(
                unit,
                MeasureUnit::Porcentaje
                    | MeasureUnit::GramosPorTonelada
                    | MeasureUnit::Ppm
                    | MeasureUnit::BtuPorLibra
            ),
            Self::Humedad => unit == MeasureUnit::Porcentaje,
            Self::Otro => true,
        }
    }

    /// Whether a negative value can make sense (only for [`TipoVariable::Otro`]).
    pub fn allows_negative(self) -> bool {
        self == Self::Otro
    }
}

/// *Tipo material*: what passes through the control point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TipoMaterial {
    /// 1 — run-of-mine material as extracted.
    Crudo,
    /// 2 — construction materials as extracted (sand, gravel, *recebo*).
    MaterialEnBruto,
    /// 3 — ore, mineralised rock sent to the plant.
    Mineralizado,
    /// 4 — waste rock.
    Esteril,
    /// 5 — concentrate of a plant.
    Concentrado,
    /// 6 — doré bars (gold and silver).
    Dore,
    /// 7 — finished product (washed coal, ferronickel…).
    ProductoTerminado,
    /// 8 — tailings.
    Relave,
    /// 9 — anything else.
    Otro,
}

impl Catalog for TipoMaterial {
    const ALL: &'static [Self] = &[
        Self::Crudo,
        Self::MaterialEnBruto,
        Self::Mineralizado,
        Self::Esteril,
        Self::Concentrado,
        Self::Dore,
        Self::ProductoTerminado,
        Self::Relave,
        Self::Otro,
    ];
    fn id(self) -> i32 {
        match self {
            Self::Crudo => 1,
            Self::MaterialEnBruto => 2,
            Self::Mineralizado => 3,
            Self::Esteril => 4,
            Self::Concentrado => 5,
            Self::Dore => 6,
            Self::ProductoTerminado => 7,
            Self::Relave => 8,
            Self::Otro => 9,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Self::Crudo => "CRUDO",
            Self::MaterialEnBruto => "MATERIAL_EN_BRUTO",
            Self::Mineralizado => "MINERALIZADO",
            Self::Esteril => "ESTERIL",
            Self::Concentrado => "CONCENTRADO",
            Self::Dore => "DORE",
            Self::ProductoTerminado => "PRODUCTO_TERMINADO",
            Self::Relave => "RELAVE",
            Self::Otro => "OTRO",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Crudo => "Crudo",
            Self::MaterialEnBruto => "Material en bruto",
            Self::Mineralizado => "Mineralizado",
            Self::Esteril => "Estéril",
            Self::Concentrado => "Concentrado",
            Self::Dore => "Doré",
            Self::ProductoTerminado => "Producto terminado",
            Self::Relave => "Relave",
            Self::Otro => "Otro",
        }
    }
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Esteril => &["desecho", "roca esteril"],
            Self::Relave => &["relaves", "colas"],
            _ => &[],
        }
    }
}

/// *Unidad de medida* of a measurement: the mass and volume units of [`Unit`], plus the units of
/// grade and quality the seed names (%, g/t, BTU/lb) and ppm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeasureUnit {
    Tonelada,
    Kilogramo,
    Gramo,
    OnzaTroy,
    Quilate,
    MetroCubico,
    Porcentaje,
    GramosPorTonelada,
    Ppm,
    BtuPorLibra,
}

impl Catalog for MeasureUnit {
    const ALL: &'static [Self] = &[
        Self::Tonelada,
        Self::Kilogramo,
        Self::Gramo,
        Self::OnzaTroy,
        Self::Quilate,
        Self::MetroCubico,
        Self::Porcentaje,
        Self::GramosPorTonelada,
        Self::Ppm,
        Self::BtuPorLibra,
    ];
    fn id(self) -> i32 {
        match self {
            Self::Tonelada => 1,
            Self::Kilogramo => 2,
            Self::Gramo => 3,
            Self::OnzaTroy => 4,
            Self::Quilate => 5,
            Self::MetroCubico => 6,
            Self::Porcentaje => 7,
            Self::GramosPorTonelada => 8,
            Self::Ppm => 9,
            Self::BtuPorLibra => 10,
        }
    }
    fn code(self) -> &'static str {
        match self.as_unit() {
            Some(unit) => unit.code(),
            None => match self {
                Self::Porcentaje => "%",
                Self::GramosPorTonelada => "g/t",
                Self::Ppm => "ppm",
                _ => "BTU/lb",
            },
        }
    }
    fn label(self) -> &'static str {
        match self.as_unit() {
            Some(unit) => unit.label(),
            None => match self {
                Self::Porcentaje => "porcentaje",
                Self::GramosPorTonelada => "gramos por tonelada",
                Self::Ppm => "partes por millón",
                _ => "BTU por libra",
            },
        }
    }
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Tonelada => &["ton", "tm", "toneladas metricas"],
            Self::Kilogramo => &["kilos", "kgs"],
            Self::Gramo => &["gr", "grs"],
            Self::OnzaTroy => &["oz", "oz troy", "onzas troy"],
            Self::MetroCubico => &["m³", "metros cubicos"],
            Self::Porcentaje => &["porciento", "por ciento", "pct"],
            Self::GramosPorTonelada => &["g/ton", "gpt", "g t"],
            Self::BtuPorLibra => &["btu/lb", "btu lb"],
            _ => &[],
        }
    }
}

impl MeasureUnit {
    /// The unit of [`Unit`] this is, for mass and volume.
    pub fn as_unit(self) -> Option<Unit> {
        match self {
            Self::Tonelada => Some(Unit::Tonne),
            Self::Kilogramo => Some(Unit::Kilogram),
            Self::Gramo => Some(Unit::Gram),
            Self::OnzaTroy => Some(Unit::TroyOunce),
            Self::Quilate => Some(Unit::Carat),
            Self::MetroCubico => Some(Unit::CubicMetre),
            _ => None,
        }
    }

    /// The mass unit, for units of mass (those a weight can be converted between).
    pub fn mass_unit(self) -> Option<Unit> {
        self.as_unit().filter(|u| u.dimension() == Dimension::Mass)
    }

    /// The largest value a percentage may take.
    pub fn max_value(self) -> Option<Decimal> {
        (self == Self::Porcentaje).then(|| Decimal::from(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<C: Catalog + PartialEq + std::fmt::Debug>() {
        for entry in C::ALL {
            assert_eq!(C::parse(&entry.id().to_string()), Ok(*entry));
            assert_eq!(C::parse(entry.code()), Ok(*entry));
            assert_eq!(C::parse(entry.label()), Ok(*entry));
            assert_eq!(C::parse(&entry.label().to_uppercase()), Ok(*entry));
        }
        let mut ids: Vec<i32> = C::ALL.iter().map(|e| e.id()).collect();
        ids.dedup();
        assert_eq!(ids.len(), C::ALL.len(), "ids are unique and sorted");
    }

    #[test]
    fn every_entry_is_found_by_id_code_and_label() {
        round_trip::<TipoVariable>();
        round_trip::<TipoMaterial>();
        round_trip::<MeasureUnit>();
        assert_eq!(TipoMaterial::parse("esteril"), Ok(TipoMaterial::Esteril));
        assert_eq!(
            MeasureUnit::parse("G/T"),
            Ok(MeasureUnit::GramosPorTonelada)
        );
        assert_eq!(MeasureUnit::parse("btu/lb"), Ok(MeasureUnit::BtuPorLibra));
    }

    #[test]
    fn unknown_entries_list_the_allowed_ones() {
        let error = TipoVariable::parse("9").expect_err("refused");
        assert_eq!(error.code(), "catalog_unknown");
        assert!(error.to_string().contains("1 (PESO)"), "{error}");
        assert_eq!(
            TipoVariable::parse(" ").expect_err("refused").code(),
            "required"
        );
    }

    #[test]
    fn variables_accept_the_units_that_measure_them() {
        assert!(TipoVariable::Peso.accepts(MeasureUnit::Kilogramo));
        assert!(!TipoVariable::Peso.accepts(MeasureUnit::MetroCubico));
        assert!(TipoVariable::Volumen.accepts(MeasureUnit::MetroCubico));
        assert!(TipoVariable::Ley.accepts(MeasureUnit::GramosPorTonelada));
        assert!(!TipoVariable::Humedad.accepts(MeasureUnit::Gramo));
        assert!(TipoVariable::Otro.accepts(MeasureUnit::BtuPorLibra));
    }
}
