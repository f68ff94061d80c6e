//! *Reporte de producción* (seed 003, Resolución 371 de 2024): the measurements a mining title
//! holder's systems send from its control points, through a web service in three steps (login →
//! PIN by email → token per environment → records).
//!
//! - [`environment`]: test or production ([`Environment`]).
//! - [`catalogs`]: the tables of ids of the records
//!   ([`TipoVariable`], [`TipoMaterial`], [`MeasureUnit`]).
//! - [`record`]: one record, read field by field with every error at once ([`ProductionRecord`]).
//! - [`token`]: the token's idle expiry and the retention of test data, as pure functions.
//! - [`crosscheck`]: reported production against sales, with a tolerance.
//!
//! A batch is a JSON array of records, or an object `{"registros": [...]}`; each record is answered
//! on its own (accepted, duplicate, or its errors), so one bad record never holds back the others.

pub mod catalogs;
pub mod crosscheck;
pub mod environment;
mod fields;
pub mod monthly;
pub mod record;
pub mod token;

#[cfg(test)]
mod tests;

pub use catalogs::{Catalog, CatalogError, MeasureUnit, TipoMaterial, TipoVariable};
pub use crosscheck::{MonthFigures, ProductionTolerance};
pub use environment::{Environment, EnvironmentError};
pub use record::{ProductionRecord, RecordError, format_fecha_hora, parse_fecha_hora};
pub use token::{
    PRUEBAS_RETENTION_DAYS, TOKEN_IDLE_EXPIRY_DAYS, TokenRecord, TokenRefusal, TokenState,
    is_retained, purge_before,
};

use serde_json::Value;
use thiserror::Error;

use crate::error_code::ErrorCode;

/// Most records in one batch.
pub const BATCH_MAX_RECORDS: usize = 1_000;

/// Why a body is not a batch of records.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchError {
    #[error(
        "El cuerpo debe ser un arreglo JSON de registros, o un objeto {{\"registros\": [...]}}."
    )]
    NotAList,
    #[error("El cargue no trae registros.")]
    Empty,
    #[error("Un cargue admite hasta {BATCH_MAX_RECORDS} registros; este trae {found}. Divídalo.")]
    TooMany { found: usize },
}

impl ErrorCode for BatchError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAList => "cargue_not_a_list",
            Self::Empty => "cargue_empty",
            Self::TooMany { .. } => "cargue_too_many",
        }
    }
}

/// The records of a batch's body.
pub fn batch_records(body: &Value) -> Result<&[Value], BatchError> {
    let records = match body {
        Value::Array(records) => records,
        Value::Object(object) if object.len() == 1 => match object.get("registros") {
            Some(Value::Array(records)) => records,
            _ => return Err(BatchError::NotAList),
        },
        _ => return Err(BatchError::NotAList),
    };
    if records.is_empty() {
        return Err(BatchError::Empty);
    }
    if records.len() > BATCH_MAX_RECORDS {
        return Err(BatchError::TooMany {
            found: records.len(),
        });
    }
    Ok(records)
}
