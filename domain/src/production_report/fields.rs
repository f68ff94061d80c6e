//! How each field of a record is read from its JSON value: texts, the date and time, the catalogs,
//! the mineral, the decimal value, the titles and the context variables.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, Time};

use super::catalogs::{Catalog, CatalogError, TipoVariable};
use super::record::{
    CONTEXTO_MAX_BYTES, FECHA_FUTURE_TOLERANCE_MINUTES, RecordError, TITULOS_MAX,
    VALOR_MAX_DECIMALS, VALOR_MAX_INTEGER_DIGITS,
};
use crate::codigo_expediente::CodigoExpediente;
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::Mineral;
use crate::text::echo;

/// The spellings of the seed's tables that carry an accent, read as their plain names.
pub(super) fn canonical_key(key: &str) -> &str {
    match key {
        "punto_control_ubicación" => "punto_control_ubicacion",
        "título" => "titulo",
        other => other,
    }
}

/// A text field: a JSON string (a number is accepted for ids and `consecutivo`).
pub(super) fn text(value: Option<&Value>, numbers_ok: bool) -> Result<String, RecordError> {
    let text = match value {
        None | Some(Value::Null) => return Err(RecordError::Required),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) if numbers_ok => n.to_string(),
        Some(_) => {
            return Err(RecordError::WrongType {
                expected: if numbers_ok {
                    "un texto o un número"
                } else {
                    "un texto"
                },
            });
        }
    };
    if text.is_empty() {
        return Err(RecordError::Required);
    }
    Ok(text)
}

pub(super) fn bounded_text(
    value: Option<&Value>,
    max: usize,
    numbers_ok: bool,
) -> Result<String, RecordError> {
    let text = text(value, numbers_ok)?;
    let found = text.chars().count();
    if found > max {
        return Err(RecordError::TooLong { max, found });
    }
    if text.chars().any(char::is_control) {
        return Err(RecordError::ControlCharacter);
    }
    Ok(text)
}

/// Parses `DD/MM/AAAA HH:MM:SS`.
pub fn parse_fecha_hora(input: &str) -> Result<PrimitiveDateTime, RecordError> {
    let trimmed = input.trim();
    let format = || RecordError::FechaFormat {
        value: echo(trimmed),
    };
    let (date, time) = trimmed.split_once(' ').ok_or_else(format)?;
    let time_bytes = time.as_bytes();
    let time_ok = time_bytes.len() == 8
        && time_bytes[2] == b':'
        && time_bytes[5] == b':'
        && time_bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit());
    if !time_ok || date.len() != 10 {
        return Err(format());
    }
    let fecha = Fecha::parse(date).map_err(|error| match error {
        crate::fecha::FechaError::DoesNotExist { .. }
        | crate::fecha::FechaError::YearOutOfRange { .. } => RecordError::FechaInvalid {
            value: echo(trimmed),
        },
        _ => format(),
    })?;
    let number = |range: std::ops::Range<usize>| {
        time_bytes[range]
            .iter()
            .fold(0u8, |acc, b| acc * 10 + (b - b'0'))
    };
    let time = Time::from_hms(number(0..2), number(3..5), number(6..8)).map_err(|_| {
        RecordError::FechaInvalid {
            value: echo(trimmed),
        }
    })?;
    Ok(PrimitiveDateTime::new(fecha.date(), time))
}

/// `DD/MM/AAAA HH:MM:SS`.
pub fn format_fecha_hora(at: PrimitiveDateTime) -> String {
    format!(
        "{:02}/{:02}/{} {:02}:{:02}:{:02}",
        at.day(),
        u8::from(at.month()),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

pub(super) fn fecha_hora(
    value: Option<&Value>,
    now: OffsetDateTime,
) -> Result<PrimitiveDateTime, RecordError> {
    let at = parse_fecha_hora(&text(value, false)?)?;
    let local_now = now.to_offset(crate::fecha::BOGOTA);
    let local_now = PrimitiveDateTime::new(local_now.date(), local_now.time());
    if at > local_now + Duration::minutes(FECHA_FUTURE_TOLERANCE_MINUTES) {
        return Err(RecordError::FechaFuture {
            now: format_fecha_hora(local_now),
        });
    }
    Ok(at)
}

/// A catalog entry named by its id (a number or a numeric text), code or label.
pub(super) fn catalog<C: Catalog>(value: Option<&Value>) -> Result<C, CatalogError> {
    let text = text(value, true).map_err(|_| CatalogError::Required {
        allowed: C::allowed(),
    })?;
    C::parse(&text)
}

/// The mineral a text names; the seed's "Mineral de Oro" style is read as the mineral's name.
pub fn resolve_mineral(input: &str) -> Result<Mineral, crate::mineral::MineralError> {
    Mineral::resolve(input).or_else(|error| {
        let lower = input.trim().to_lowercase();
        ["minerales de ", "mineral de "]
            .iter()
            .find_map(|prefix| lower.strip_prefix(prefix))
            .and_then(|rest| Mineral::resolve(rest).ok())
            .ok_or(error)
    })
}

/// A decimal from a JSON number or a text.
pub fn parse_decimal(value: Option<&Value>) -> Result<Decimal, RecordError> {
    let text = text(value, true)?;
    let invalid = || RecordError::DecimalInvalid { value: echo(&text) };
    let decimal = if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text).map_err(|_| invalid())?
    } else {
        Decimal::from_str(&text).map_err(|_| invalid())?
    };
    let decimal = decimal.normalize();
    if decimal.scale() > VALOR_MAX_DECIMALS {
        return Err(RecordError::DecimalScale {
            found: decimal.scale(),
        });
    }
    if decimal.abs() >= Decimal::from(10_i64.pow(VALOR_MAX_INTEGER_DIGITS)) {
        return Err(RecordError::TooLarge);
    }
    Ok(decimal)
}

/// One code of `titulo` that is wrong.
pub(super) enum TituloProblem {
    Expediente(crate::codigo_expediente::CodigoExpedienteError),
    Repeated(RecordError),
}

impl TituloProblem {
    pub(super) fn violation(&self) -> &dyn ErrorCode {
        match self {
            Self::Expediente(error) => error,
            Self::Repeated(error) => error,
        }
    }
}

/// The codes of `titulo`, separated by commas, each checked.
pub(super) fn titulos(
    value: Option<&Value>,
) -> Result<Vec<Result<CodigoExpediente, TituloProblem>>, RecordError> {
    let text = text(value, true)?;
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > TITULOS_MAX {
        return Err(RecordError::TooManyTitulos { found: parts.len() });
    }
    let mut seen = Vec::new();
    Ok(parts
        .into_iter()
        .map(|part| {
            let codigo = CodigoExpediente::parse(part).map_err(TituloProblem::Expediente)?;
            if seen.contains(&codigo) {
                return Err(TituloProblem::Repeated(RecordError::TituloRepeated {
                    codigo: codigo.to_string(),
                }));
            }
            seen.push(codigo.clone());
            Ok(codigo)
        })
        .collect())
}

pub(super) fn contexto(value: Option<&Value>) -> Result<Option<Value>, RecordError> {
    let parsed = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => {
            if s.len() > CONTEXTO_MAX_BYTES {
                return Err(RecordError::JsonTooLarge { found: s.len() });
            }
            serde_json::from_str::<Value>(s).map_err(|e| RecordError::JsonInvalid {
                reason: e.to_string(),
            })?
        }
        Some(other) => other.clone(),
    };
    if !(parsed.is_object() || parsed.is_array()) {
        return Err(RecordError::JsonNotStructured);
    }
    let found = serde_json::to_vec(&parsed)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if found > CONTEXTO_MAX_BYTES {
        return Err(RecordError::JsonTooLarge { found });
    }
    Ok(Some(parsed))
}

pub(super) fn expected_units(tipo: TipoVariable) -> &'static str {
    match tipo {
        TipoVariable::Peso => "t, kg, g, ozt o ct",
        TipoVariable::Volumen => "m3",
        TipoVariable::Ley => "%, g/t, ppm o BTU/lb",
        TipoVariable::Humedad => "%",
        TipoVariable::Otro => "cualquier unidad de la tabla",
    }
}
