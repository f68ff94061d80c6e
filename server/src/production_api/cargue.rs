//! Step 3 of the production report: a batch validated and stored record by record, with the
//! answer kept for *Historial de cargue*, and the production/sales cross-check of what it added.

use std::collections::BTreeSet;

use app::auth::ssr::PublicUrl;
use app::error::AppError;
use app::production::{RecordResult, RecordStatus};
use domain::FieldError;
use domain::closing::Month;
use domain::production_report::{Environment, ProductionRecord, ProductionTolerance, TipoVariable};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::store::Caller;

/// The answer to a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchAnswer {
    pub cargue_id: Uuid,
    pub ambiente: Environment,
    #[serde(with = "time::serde::rfc3339")]
    pub recibido: OffsetDateTime,
    pub total: usize,
    pub aceptados: usize,
    pub duplicados: usize,
    pub rechazados: usize,
    pub resultados: Vec<RecordResult>,
}

fn raw_consecutivo(value: &Value) -> Option<String> {
    match value.get("consecutivo")? {
        Value::String(s) => Some(s.trim().chars().take(100).collect()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Validates and stores a batch: each record accepted, duplicate or rejected on its own; the batch
/// and its answer are stored for *Historial de cargue*.
pub async fn ingest(
    pool: &PgPool,
    caller: &Caller,
    records: &[Value],
    now: OffsetDateTime,
    (site, tolerance): (&PublicUrl, ProductionTolerance),
) -> Result<BatchAnswer, AppError> {
    let titles: BTreeSet<String> = app::production::ssr::titles_of(pool, caller.organization_id)
        .await?
        .into_iter()
        .collect();
    let batch_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(records.len());
    // The (mineral, year, month) of the weights accepted: their production/sales cross-check.
    let mut months = BTreeSet::new();
    for (indice, value) in records.iter().enumerate() {
        let mut result = RecordResult {
            indice,
            consecutivo: raw_consecutivo(value),
            id: None,
            estado: RecordStatus::Rechazado,
            errores: Vec::new(),
        };
        let record = match ProductionRecord::validate(value, now) {
            Ok(record) => record,
            Err(errors) => {
                result.errores = errors.errors;
                results.push(result);
                continue;
            }
        };
        let foreign: Vec<&str> = record
            .titulos
            .iter()
            .map(AsRef::as_ref)
            .filter(|t| !titles.contains(*t))
            .collect();
        if !foreign.is_empty() {
            result.errores.push(FieldError {
                field: "titulo".to_owned(),
                code: "titulo_ajeno".to_owned(),
                message: format!(
                    "titulo: {} no {} a su organización; el token solo reporta los títulos del \
                     titular que lo generó.",
                    foreign.join(", "),
                    if foreign.len() == 1 {
                        "pertenece"
                    } else {
                        "pertenecen"
                    }
                ),
            });
            results.push(result);
            continue;
        }
        let digest = record.digest().to_vec();
        let titulos: Vec<String> = record.titulos.iter().map(ToString::to_string).collect();
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO production_records
                 (record_id, batch_id, user_id, organization_id, environment, consecutivo, digest,
                  fecha_toma_medida, tipo_variable_id, mineral, unidad_medida_id, valor_variable,
                  tipo_material_id, titulos, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (user_id, environment, consecutivo) DO NOTHING
             RETURNING record_id",
        )
        .bind(Uuid::new_v4())
        .bind(batch_id)
        .bind(caller.user_id)
        .bind(caller.organization_id)
        .bind(caller.environment.code())
        .bind(&record.consecutivo)
        .bind(&digest)
        .bind(record.fecha_toma_medida)
        .bind(domain::production_report::Catalog::id(record.tipo_variable))
        .bind(&record.mineral)
        .bind(domain::production_report::Catalog::id(record.unidad_medida))
        .bind(record.valor_variable)
        .bind(domain::production_report::Catalog::id(record.tipo_material))
        .bind(&titulos)
        .bind(Json(&record))
        .fetch_optional(&mut *tx)
        .await?;
        result.consecutivo = Some(record.consecutivo.clone());
        if let Some(id) = inserted {
            result.id = Some(id);
            result.estado = RecordStatus::Aceptado;
            if record.tipo_variable == TipoVariable::Peso {
                let month = Month::of(domain::Fecha::from_date(record.date()));
                months.insert((record.mineral.clone(), month));
            }
        } else {
            let (id, earlier): (Uuid, Vec<u8>) = sqlx::query_as(
                "SELECT record_id, digest FROM production_records
                 WHERE user_id = $1 AND environment = $2 AND consecutivo = $3",
            )
            .bind(caller.user_id)
            .bind(caller.environment.code())
            .bind(&record.consecutivo)
            .fetch_one(&mut *tx)
            .await?;
            result.id = Some(id);
            if earlier == digest {
                result.estado = RecordStatus::Duplicado;
            } else {
                result.errores.push(FieldError {
                    field: "consecutivo".to_owned(),
                    code: "consecutivo_conflict".to_owned(),
                    message: format!(
                        "consecutivo: «{}» ya se recibió en el ambiente {} con otro contenido \
                         (registro {id}); los datos recibidos no se modifican: use un \
                         consecutivo nuevo.",
                        record.consecutivo,
                        caller.environment.code()
                    ),
                });
            }
        }
        results.push(result);
    }
    let count = |status: RecordStatus| results.iter().filter(|r| r.estado == status).count();
    let (aceptados, duplicados, rechazados) = (
        count(RecordStatus::Aceptado),
        count(RecordStatus::Duplicado),
        count(RecordStatus::Rechazado),
    );
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let recibido: OffsetDateTime = sqlx::query_scalar(
        "INSERT INTO production_batches
             (batch_id, token_id, user_id, organization_id, environment, total, accepted,
              duplicates, rejected, results)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING received_at",
    )
    .bind(batch_id)
    .bind(caller.token_id)
    .bind(caller.user_id)
    .bind(caller.organization_id)
    .bind(caller.environment.code())
    .bind(as_i32(results.len()))
    .bind(as_i32(aceptados))
    .bind(as_i32(duplicados))
    .bind(as_i32(rechazados))
    .bind(Json(&results))
    .fetch_one(&mut *tx)
    .await?;
    if caller.environment == Environment::Produccion {
        app::production::crosscheck::after_report(
            &mut tx,
            site,
            tolerance,
            caller.organization_id,
            &months,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(BatchAnswer {
        cargue_id: batch_id,
        ambiente: caller.environment,
        recibido,
        total: results.len(),
        aceptados,
        duplicados,
        rechazados,
        resultados: results,
    })
}
