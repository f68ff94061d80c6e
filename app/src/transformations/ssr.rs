//! Server side of *Transformaciones*: the checked transformation (`domain::transformation`) becomes
//! one `TRANSFORMACION` posting, a new origin code per output with its lineage, and, for a loss
//! above the threshold, an alert; its reversal is one `REVERSION_TRANSFORMACION` that undoes
//! every movement, only while the outputs are untouched.

use domain::alert::AlertKind;
use domain::codigo_origen::OriginSource;
use domain::transformation::{LossThreshold, Transformation, TransformationDraft};
use domain::{BalanceKey, CodigoOrigen, Mineral, Quantity, Unit};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{OutputRow, TransformationDone, TransformationRow};
use crate::alerts::ssr::{NewAlert, raise};
use crate::auth::SignedInUser;
use crate::codigos_origen::ssr::NewCode;
use crate::compras::ssr::today;
use crate::error::AppError;
use crate::ledger::ssr::{LedgerError, Posting, PostingId, PostingKind, PostingLine, post};
use crate::notify;
use crate::saldos::ssr::fecha_hora;

/// The loss share above which a transformation needs a justification and alerts the auditor
/// (configuration, provided by the server).
fn threshold() -> LossThreshold {
    leptos::prelude::use_context::<LossThreshold>().unwrap_or_default()
}

/// The ledger's refusal, as the holder reads it.
fn refusal(error: LedgerError) -> AppError {
    match error {
        LedgerError::ExceedsAvailable {
            codigo_origen,
            mineral,
            unit,
            available,
            requested,
        } => AppError::Refused(format!(
            "Su organización tiene {available} {unit} de {mineral} con el código de origen \
             {codigo_origen}; la transformación usa {requested} {unit}."
        )),
        other => other.into(),
    }
}

fn decode<T>(value: Option<T>, what: &str) -> Result<T, AppError> {
    value.ok_or_else(|| {
        tracing::error!(what, "transformación almacenada inconsistente");
        AppError::Internal
    })
}

/// "Registrar transformación": checks it with `domain` (again: the browser did), posts it, issues
/// the outputs' codes with their lineage, and alerts the auditor of a loss above the threshold, in
/// one transaction. `transformation_id` is drawn by the browser: a retry answers the same.
pub async fn register(
    pool: &PgPool,
    user: &SignedInUser,
    organization_id: Uuid,
    transformation_id: Uuid,
    draft: TransformationDraft,
) -> Result<TransformationDone, AppError> {
    let mut tx = pool.begin().await?;
    // One registration of an id at a time: a retry waits for the first, then finds it.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(transformation_id)
        .execute(&mut *tx)
        .await?;
    if let Some(done) = done(&mut tx, organization_id, transformation_id).await? {
        return Ok(done);
    }
    let closings = crate::closings::ssr::closings_of(&mut tx, &[organization_id]).await?;
    let checked = draft
        .validate(today(), &closings, threshold())
        .map_err(AppError::Invalid)?;
    let reference = format!("TRANSFORMACION-{transformation_id}");
    let mut lines: Vec<PostingLine> = checked
        .inputs()
        .iter()
        .map(|input| PostingLine::debit(organization_id, input.key, input.quantity))
        .collect();
    let mut codes = Vec::with_capacity(checked.outputs().len());
    for output in checked.outputs() {
        let code = NewCode {
            holder: organization_id,
            mineral: output.mineral,
            source: OriginSource::Transformacion,
            initial_quantity: None,
            issued_on: checked.fecha(),
        }
        .issue_random(&mut tx)
        .await?;
        lines.push(PostingLine::credit(
            organization_id,
            BalanceKey::new(code, output.mineral),
            output.balance_quantity,
        ));
        codes.push(code);
    }
    let posting = Posting {
        kind: PostingKind::Transformacion,
        reference,
        lines,
        reverses: None,
        operation_date: Some(checked.fecha()),
    };
    let posting_id = post(&mut tx, &posting).await.map_err(refusal)?;
    sqlx::query(
        "INSERT INTO transformations (transformation_id, organization_id, created_by, process,
             operation_date, support_sha256, justification, draft, balances, posting_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(transformation_id)
    .bind(organization_id)
    .bind(user.user_id)
    .bind(checked.process().code())
    .bind(checked.fecha().date())
    .bind(checked.support_sha256().as_bytes().to_vec())
    .bind(checked.justification())
    .bind(Json(&draft))
    .bind(Json(checked.balances()))
    .bind(posting_id.0)
    .execute(&mut *tx)
    .await?;
    write_lineage(&mut tx, transformation_id, &checked, &codes).await?;
    let above = checked.elements_above_threshold();
    if !above.is_empty() {
        let losses: Vec<String> = checked
            .balances()
            .iter()
            .filter(|b| b.above_threshold)
            .map(|b| {
                format!(
                    "{} {} {} ({})",
                    b.element,
                    b.loss.normalize(),
                    b.unit,
                    percent(b.loss_share)
                )
            })
            .collect();
        raise(
            &mut tx,
            NewAlert {
                subject: None,
                kind: AlertKind::PerdidaTransformacion,
                organization_id: Some(organization_id),
                other_organization_id: None,
                compra_id: None,
                detail: format!(
                    "Transformación {transformation_id} ({}) con pérdida sobre el umbral de {}: {}. \
                     Justificación: {}",
                    checked.process().label(),
                    percent(threshold().share()),
                    losses.join("; "),
                    checked.justification().unwrap_or_default()
                ),
            },
        )
        .await?;
    }
    notify::enqueue_balances(
        &mut tx,
        &[organization_id],
        "Se registró una transformación: sus saldos cambiaron.",
    )
    .await?;
    let done = decode(
        done(&mut tx, organization_id, transformation_id).await?,
        "registered",
    )?;
    tx.commit().await?;
    tracing::info!(%transformation_id, "transformación registrada");
    Ok(done)
}

/// `0,1500` → `15 %`.
fn percent(share: Decimal) -> String {
    format!(
        "{} %",
        domain::number::format_es_co((share * Decimal::ONE_HUNDRED).round_dp(2), None)
    )
}

/// Each output's origin code, linked to the inputs its metal came from.
async fn write_lineage(
    conn: &mut PgConnection,
    transformation_id: Uuid,
    checked: &Transformation,
    codes: &[CodigoOrigen],
) -> Result<(), sqlx::Error> {
    let mut outputs = Vec::new();
    let mut positions = Vec::new();
    let mut sources = Vec::new();
    let mut minerals = Vec::new();
    let mut shares = Vec::new();
    for (code, lineage) in codes.iter().zip(checked.lineage()) {
        for share in lineage {
            let Some(input) = checked.inputs().get(share.input) else {
                continue;
            };
            outputs.push(code.to_string());
            positions.push(i32::try_from(share.input).unwrap_or(i32::MAX));
            sources.push(input.key.codigo_origen.to_string());
            minerals.push(input.key.mineral.name());
            shares.push(share.share);
        }
    }
    sqlx::query(
        "INSERT INTO origin_lineage (codigo_origen, input_position, source_codigo_origen,
             source_mineral, share, transformation_id)
         SELECT o, p, s, m, sh, $6
         FROM UNNEST($1::char(8)[], $2::int[], $3::char(8)[], $4::text[], $5::numeric[])
              AS x(o, p, s, m, sh)",
    )
    .bind(&outputs)
    .bind(&positions)
    .bind(&sources)
    .bind(&minerals)
    .bind(&shares)
    .bind(transformation_id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Stored {
    transformation_id: Uuid,
    process: String,
    operation_date: time::Date,
    justification: Option<String>,
    balances: Json<Vec<domain::transformation::ElementBalance>>,
    posting_id: Uuid,
    reversed_at: Option<OffsetDateTime>,
    /// Movements on the outputs' codes by any other posting than this one and its reversal.
    outputs_moved: bool,
}

const STORED: &str = "SELECT t.transformation_id, t.process, t.operation_date, t.justification,
        t.balances, t.posting_id, t.reversed_at,
        EXISTS (SELECT 1 FROM origin_lineage l JOIN movements m ON m.codigo_origen = l.codigo_origen
                WHERE l.transformation_id = t.transformation_id
                  AND m.posting_id NOT IN (t.posting_id, coalesce(t.reversal_posting_id, t.posting_id)))
            AS outputs_moved
     FROM transformations t";

/// What a posting moved: the organisation's lines, with their signed deltas.
async fn movements(
    conn: &mut PgConnection,
    posting_id: Uuid,
) -> Result<Vec<(Uuid, String, String, String, Decimal)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT organization_id, codigo_origen::text, mineral, unit, delta FROM movements
         WHERE posting_id = $1 ORDER BY sequence",
    )
    .bind(posting_id)
    .fetch_all(conn)
    .await
}

/// The page's row of a stored transformation.
async fn row(conn: &mut PgConnection, stored: Stored) -> Result<TransformationRow, AppError> {
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for (_, code, mineral, unit, delta) in movements(conn, stored.posting_id).await? {
        let mineral = decode(Mineral::resolve(&mineral).ok(), "mineral")?;
        let unit = decode(Unit::parse(&unit).ok(), "unit")?;
        let quantity = decode(Quantity::new(delta.abs()).ok(), "quantity")?;
        let text = format!("{code} · {mineral} · {quantity} {unit}");
        if delta.is_sign_negative() {
            inputs.push(text);
        } else {
            outputs.push(OutputRow {
                codigo_origen: code,
                text,
            });
        }
    }
    let process = domain::transformation::Process::from_code(&stored.process)
        .map_or(stored.process.clone(), |p| p.label().to_owned());
    Ok(TransformationRow {
        transformation_id: stored.transformation_id,
        fecha: domain::Fecha::from_date(stored.operation_date).to_string(),
        process,
        inputs,
        outputs,
        losses: stored
            .balances
            .0
            .iter()
            .map(|b| {
                format!(
                    "{}: entra {} {unit}, sale {} {unit}, pérdida {} {unit} ({})",
                    b.element,
                    domain::number::format_es_co(b.input, None),
                    domain::number::format_es_co(b.output, None),
                    domain::number::format_es_co(b.loss, None),
                    percent(b.loss_share),
                    unit = b.unit
                )
            })
            .collect(),
        justification: stored.justification,
        reversed: stored.reversed_at.map(fecha_hora),
        reversible: stored.reversed_at.is_none() && !stored.outputs_moved,
    })
}

async fn done(
    conn: &mut PgConnection,
    organization_id: Uuid,
    transformation_id: Uuid,
) -> Result<Option<TransformationDone>, AppError> {
    let stored: Option<Stored> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STORED} WHERE t.transformation_id = $1 AND t.organization_id = $2"
    )))
    .bind(transformation_id)
    .bind(organization_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match stored {
        Some(stored) => Some(TransformationDone {
            row: row(conn, stored).await?,
        }),
        None => None,
    })
}

/// The organisation's transformations, newest first (the last 100).
pub async fn list(
    pool: &PgPool,
    organization_id: Uuid,
) -> Result<Vec<TransformationRow>, AppError> {
    let mut conn = pool.acquire().await?;
    let stored: Vec<Stored> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STORED} WHERE t.organization_id = $1 ORDER BY t.created_at DESC LIMIT 100"
    )))
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut rows = Vec::with_capacity(stored.len());
    for stored in stored {
        rows.push(row(&mut conn, stored).await?);
    }
    Ok(rows)
}

/// "Revertir": while no output was sold, transformed or otherwise moved, one
/// `REVERSION_TRANSFORMACION` posting undoes every movement of the transformation (outputs out,
/// inputs back). A reversed transformation asked again answers the same.
pub async fn reverse(
    pool: &PgPool,
    user: &SignedInUser,
    organization_id: Uuid,
    transformation_id: Uuid,
) -> Result<TransformationRow, AppError> {
    let mut tx = pool.begin().await?;
    let stored: Stored = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STORED} WHERE t.transformation_id = $1 AND t.organization_id = $2 FOR UPDATE OF t"
    )))
    .bind(transformation_id)
    .bind(organization_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if stored.reversed_at.is_none() {
        if stored.outputs_moved {
            return Err(AppError::Refused(
                "Los productos de esta transformación ya se vendieron, transformaron o movieron: \
                 no se puede revertir."
                    .to_owned(),
            ));
        }
        let closings = crate::closings::ssr::closings_of(&mut tx, &[organization_id]).await?;
        if let Err(error) = closings.check_open(domain::Fecha::from_date(stored.operation_date)) {
            return Err(AppError::Refused(format!(
                "La transformación es de un periodo cerrado: no se puede revertir. {error}"
            )));
        }
        let original = stored.posting_id;
        let mut lines = Vec::new();
        for (organization, code, mineral, unit, delta) in movements(&mut tx, original).await? {
            let codigo_origen = decode(CodigoOrigen::parse(&code).ok(), "code")?;
            let mineral = decode(Mineral::resolve(&mineral).ok(), "mineral")?;
            let unit = decode(Unit::parse(&unit).ok(), "unit")?;
            lines.push(PostingLine {
                organization_id: organization,
                key: BalanceKey {
                    codigo_origen,
                    mineral,
                    unit,
                },
                delta: -delta,
            });
        }
        let posting = Posting {
            kind: PostingKind::ReversionTransformacion,
            reference: format!("REVERSION-TRANSFORMACION-{transformation_id}"),
            lines,
            reverses: Some(PostingId(original)),
            operation_date: None,
        };
        let posting_id = post(&mut tx, &posting).await.map_err(|error| match error {
            LedgerError::ExceedsAvailable { .. } => AppError::Refused(
                "Los productos de esta transformación ya no están completos en su saldo: no se \
                 puede revertir."
                    .to_owned(),
            ),
            other => other.into(),
        })?;
        sqlx::query(
            "UPDATE transformations SET reversal_posting_id = $2, reversed_at = now(),
                    reversed_by = $3
             WHERE transformation_id = $1",
        )
        .bind(transformation_id)
        .bind(posting_id.0)
        .bind(user.user_id)
        .execute(&mut *tx)
        .await?;
        notify::enqueue_balances(
            &mut tx,
            &[organization_id],
            "Se revirtió una transformación: sus saldos cambiaron.",
        )
        .await?;
    }
    let row = decode(
        done(&mut tx, organization_id, transformation_id).await?,
        "reversed",
    )?
    .row;
    tx.commit().await?;
    Ok(row)
}
