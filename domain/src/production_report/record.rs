//! One record of the production report (seed 003, 6.1): a measurement taken at a control point,
//! read from the JSON an ERP sends, field by field, so that every error of a record is reported at
//! once with its field and what to fix.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::catalogs::{Catalog, MeasureUnit, TipoMaterial, TipoVariable};
use super::fields::{
    bounded_text, canonical_key, catalog, contexto, expected_units, fecha_hora, resolve_mineral,
    text, titulos,
};
pub use super::fields::{format_fecha_hora, parse_decimal, parse_fecha_hora};
use crate::codigo_expediente::CodigoExpediente;
use crate::error_code::ErrorCode;
use crate::mineral::Mineral;
use crate::validation::ValidationErrors;

/// Longest `consecutivo`.
pub const CONSECUTIVO_MAX_CHARS: usize = 100;
/// Longest name of a control point.
pub const PUNTO_NOMBRE_MAX_CHARS: usize = 200;
/// Longest location of a control point.
pub const PUNTO_UBICACION_MAX_CHARS: usize = 300;
/// Most titles one record names.
pub const TITULOS_MAX: usize = 20;
/// Largest `variables_contexto`, as compact JSON.
pub const CONTEXTO_MAX_BYTES: usize = 16 * 1024;
/// Most decimals of `valor_variable`.
pub const VALOR_MAX_DECIMALS: u32 = 4;
/// Values are below 10^15 (what `NUMERIC(20,4)` holds with room to sum).
pub const VALOR_MAX_INTEGER_DIGITS: u32 = 15;
/// A measurement may be dated at most this far past the server's clock (clocks drift).
pub const FECHA_FUTURE_TOLERANCE_MINUTES: i64 = 60;

/// The fields of a record, in the order of the seed (the answer lists errors in this order).
pub const FIELDS: [&str; 10] = [
    "consecutivo",
    "fecha_toma_medida",
    "tipo_variable_id",
    "mineral_id",
    "unidad_medida_id",
    "valor_variable",
    "tipo_material_id",
    "punto_control_nombre",
    "punto_control_ubicacion",
    "titulo",
];
/// The optional field.
pub const CONTEXTO_FIELD: &str = "variables_contexto";

/// A record that passed every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductionRecord {
    pub consecutivo: String,
    /// Colombia's local time of the measurement.
    pub fecha_toma_medida: PrimitiveDateTime,
    pub tipo_variable: TipoVariable,
    pub mineral: String,
    pub unidad_medida: MeasureUnit,
    pub valor_variable: Decimal,
    pub tipo_material: TipoMaterial,
    pub punto_control_nombre: String,
    pub punto_control_ubicacion: String,
    pub titulos: Vec<CodigoExpediente>,
    pub variables_contexto: Option<Value>,
}

/// A rule a field of a record broke.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("cada registro debe ser un objeto JSON con los campos del manual.")]
    NotAnObject,
    #[error("es obligatorio.")]
    Required,
    #[error("debe ser {expected}.")]
    WrongType { expected: &'static str },
    #[error("admite hasta {max} caracteres; tiene {found}.")]
    TooLong { max: usize, found: usize },
    #[error("contiene caracteres de control; quítelos.")]
    ControlCharacter,
    #[error("«{value}» no tiene el formato DD/MM/AAAA HH:MM:SS (p. ej. 05/03/2025 14:30:00).")]
    FechaFormat { value: String },
    #[error("«{value}» no es una fecha y hora que exista.")]
    FechaInvalid { value: String },
    #[error("la medición no puede ser posterior a la hora actual de Colombia ({now}).")]
    FechaFuture { now: String },
    #[error(
        "escriba el nombre del mineral como en el listado de AnnA Minería (p. ej. ORO), no un número."
    )]
    MineralNumeric,
    #[error("«{value}» no es un número decimal (use punto decimal, p. ej. 1250.5).")]
    DecimalInvalid { value: String },
    #[error("admite hasta {VALOR_MAX_DECIMALS} decimales; tiene {found}.")]
    DecimalScale { found: u32 },
    #[error("no puede ser negativo para el tipo de variable {tipo}.")]
    Negative { tipo: &'static str },
    #[error("es demasiado grande (más de {VALOR_MAX_INTEGER_DIGITS} dígitos enteros).")]
    TooLarge,
    #[error("un porcentaje no puede pasar de 100.")]
    PercentOver100,
    #[error("la unidad {unit} no mide la variable {tipo}; use {expected}.")]
    UnitIncompatible {
        unit: &'static str,
        tipo: &'static str,
        expected: &'static str,
    },
    #[error("admite hasta {TITULOS_MAX} títulos separados por comas; tiene {found}.")]
    TooManyTitulos { found: usize },
    #[error("el título {codigo} está repetido.")]
    TituloRepeated { codigo: String },
    #[error("no es JSON válido: {reason}.")]
    JsonInvalid { reason: String },
    #[error("debe ser un objeto o un arreglo JSON (o un texto que los contenga).")]
    JsonNotStructured,
    #[error("supera {max} bytes; tiene {found}.", max = CONTEXTO_MAX_BYTES)]
    JsonTooLarge { found: usize },
    #[error("el campo no existe en el manual; los campos son {}, {CONTEXTO_FIELD}.", FIELDS.join(", "))]
    UnknownField,
}

impl ErrorCode for RecordError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAnObject => "registro_not_object",
            Self::Required => "required",
            Self::WrongType { .. } => "wrong_type",
            Self::TooLong { .. } => "too_long",
            Self::ControlCharacter => "control_character",
            Self::FechaFormat { .. } => "fecha_hora_format",
            Self::FechaInvalid { .. } => "fecha_hora_invalid",
            Self::FechaFuture { .. } => "fecha_hora_future",
            Self::MineralNumeric => "mineral_numeric",
            Self::DecimalInvalid { .. } => "decimal_invalid",
            Self::DecimalScale { .. } => "decimal_scale",
            Self::Negative { .. } => "value_negative",
            Self::TooLarge => "value_too_large",
            Self::PercentOver100 => "percent_over_100",
            Self::UnitIncompatible { .. } => "unit_incompatible_with_variable",
            Self::TooManyTitulos { .. } => "titulo_too_many",
            Self::TituloRepeated { .. } => "titulo_repeated",
            Self::JsonInvalid { .. } => "json_invalid",
            Self::JsonNotStructured => "json_not_structured",
            Self::JsonTooLarge { .. } => "json_too_large",
            Self::UnknownField => "field_unknown",
        }
    }
}

impl ProductionRecord {
    /// Reads and checks one record; `now` is the server's clock (a measurement cannot be dated in
    /// the future). The errors' fields are the record's own keys (`valor_variable`).
    pub fn validate(value: &Value, now: OffsetDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let Some(object) = value.as_object() else {
            errors.push("", "registro", &RecordError::NotAnObject);
            return Err(errors);
        };
        let mut fields: Map<String, Value> = Map::new();
        for (key, field) in object {
            let canonical = canonical_key(key);
            if FIELDS.contains(&canonical) || canonical == CONTEXTO_FIELD {
                fields.insert(canonical.to_owned(), field.clone());
            } else {
                errors.push(key.clone(), key, &RecordError::UnknownField);
            }
        }
        let get = |name: &str| fields.get(name);
        let consecutivo = errors.take(
            "consecutivo",
            "consecutivo",
            bounded_text(get("consecutivo"), CONSECUTIVO_MAX_CHARS, true),
        );
        let fecha = errors.take(
            "fecha_toma_medida",
            "fecha_toma_medida",
            fecha_hora(get("fecha_toma_medida"), now),
        );
        let tipo_variable = errors.take(
            "tipo_variable_id",
            "tipo_variable_id",
            catalog::<TipoVariable>(get("tipo_variable_id")),
        );
        let mineral = match get("mineral_id") {
            Some(Value::Number(_)) => {
                errors.push("mineral_id", "mineral_id", &RecordError::MineralNumeric);
                None
            }
            other => match text(other, false) {
                Ok(name) => errors.take("mineral_id", "mineral_id", resolve_mineral(&name)),
                Err(error) => {
                    errors.push("mineral_id", "mineral_id", &error);
                    None
                }
            },
        };
        let unidad = errors.take(
            "unidad_medida_id",
            "unidad_medida_id",
            catalog::<MeasureUnit>(get("unidad_medida_id")),
        );
        if let (Some(tipo), Some(unit)) = (tipo_variable, unidad)
            && !tipo.accepts(unit)
        {
            errors.push(
                "unidad_medida_id",
                "unidad_medida_id",
                &RecordError::UnitIncompatible {
                    unit: unit.code(),
                    tipo: tipo.code(),
                    expected: expected_units(tipo),
                },
            );
        }
        let valor = errors
            .take(
                "valor_variable",
                "valor_variable",
                parse_decimal(get("valor_variable")),
            )
            .and_then(|valor| {
                let rule = if valor.is_sign_negative()
                    && !valor.is_zero()
                    && !tipo_variable.is_some_and(TipoVariable::allows_negative)
                {
                    Some(RecordError::Negative {
                        tipo: tipo_variable.map_or("indicado", TipoVariable::code),
                    })
                } else if unidad
                    .and_then(MeasureUnit::max_value)
                    .is_some_and(|max| valor > max)
                {
                    Some(RecordError::PercentOver100)
                } else {
                    None
                };
                match rule {
                    Some(rule) => {
                        errors.push("valor_variable", "valor_variable", &rule);
                        None
                    }
                    None => Some(valor),
                }
            });
        let tipo_material = errors.take(
            "tipo_material_id",
            "tipo_material_id",
            catalog::<TipoMaterial>(get("tipo_material_id")),
        );
        let nombre = errors.take(
            "punto_control_nombre",
            "punto_control_nombre",
            bounded_text(get("punto_control_nombre"), PUNTO_NOMBRE_MAX_CHARS, false),
        );
        let ubicacion = errors.take(
            "punto_control_ubicacion",
            "punto_control_ubicacion",
            bounded_text(
                get("punto_control_ubicacion"),
                PUNTO_UBICACION_MAX_CHARS,
                false,
            ),
        );
        let titulos = match titulos(get("titulo")) {
            Err(error) => {
                errors.push("titulo", "titulo", &error);
                None
            }
            Ok(parsed) => {
                let mut ok = Vec::with_capacity(parsed.len());
                for (index, result) in parsed.into_iter().enumerate() {
                    match result {
                        Ok(codigo) => ok.push(codigo),
                        Err(problem) => errors.push(
                            "titulo",
                            &format!("titulo (código {})", index + 1),
                            problem.violation(),
                        ),
                    }
                }
                Some(ok)
            }
        };
        let contexto = errors.take(
            CONTEXTO_FIELD,
            CONTEXTO_FIELD,
            contexto(get(CONTEXTO_FIELD)),
        );
        match (
            consecutivo,
            fecha,
            tipo_variable,
            mineral,
            unidad,
            valor,
            tipo_material,
            nombre,
            ubicacion,
            titulos,
            contexto,
        ) {
            (
                Some(consecutivo),
                Some(fecha_toma_medida),
                Some(tipo_variable),
                Some(mineral),
                Some(unidad_medida),
                Some(valor_variable),
                Some(tipo_material),
                Some(punto_control_nombre),
                Some(punto_control_ubicacion),
                Some(titulos),
                Some(variables_contexto),
            ) if errors.is_empty() => Ok(Self {
                consecutivo,
                fecha_toma_medida,
                tipo_variable,
                mineral: mineral.name().to_owned(),
                unidad_medida,
                valor_variable,
                tipo_material,
                punto_control_nombre,
                punto_control_ubicacion,
                titulos,
                variables_contexto,
            }),
            _ => Err(errors),
        }
    }

    /// The SHA-256 of the record's content (its canonical JSON): the same `consecutivo` sent again
    /// with this digest is the same record; with another, a conflict.
    pub fn digest(&self) -> [u8; 32] {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).into()
    }

    /// The mineral of the record.
    pub fn mineral(&self) -> Option<Mineral> {
        Mineral::resolve(&self.mineral).ok()
    }

    /// The value in `unit` for a weight (`PESO` in a unit of mass), when it converts exactly.
    pub fn weight_in(&self, unit: crate::unit::Unit) -> Option<Decimal> {
        if self.tipo_variable != TipoVariable::Peso {
            return None;
        }
        self.unidad_medida
            .mass_unit()
            .and_then(|from| from.convert(self.valor_variable, unit).ok())
    }

    /// The day of the measurement.
    pub fn date(&self) -> Date {
        self.fecha_toma_medida.date()
    }
}
