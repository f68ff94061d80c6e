//! The ledger's reads: an organisation's balances and movements, and movements as the chain hashes
//! them.

use super::*;
use domain::codigo_origen::OriginSource;

#[derive(sqlx::FromRow)]
struct BalanceRecord {
    codigo_origen: String,
    mineral: String,
    unit: String,
    quantity: Decimal,
}

/// An organisation's positive balances, in key order (code, mineral, unit).
pub async fn balances_of<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    organization_id: Uuid,
) -> Result<Vec<BalanceEntry>, LedgerError> {
    let records: Vec<BalanceRecord> = sqlx::query_as(
        "SELECT codigo_origen, mineral, unit, quantity FROM balances
         WHERE organization_id = $1 AND quantity > 0",
    )
    .bind(organization_id)
    .fetch_all(executor)
    .await?;
    let mut entries = records
        .into_iter()
        .map(|r| {
            Ok(BalanceEntry {
                codigo_origen: CodigoOrigen::parse(&r.codigo_origen).map_err(decode)?,
                mineral: Mineral::resolve(&r.mineral).map_err(decode)?,
                unit: Unit::parse(&r.unit).map_err(decode)?,
                quantity: Quantity::new(r.quantity).map_err(decode)?,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    entries.sort_by_key(|e| (e.codigo_origen, e.mineral, e.unit));
    Ok(entries)
}

/// An organisation's positive balances in key order, each with where its code's mineral came
/// from and when it last moved, in one statement (the balances page and every balances email
/// read this). "Last moved" is the balance's `updated_at`, which the posting sets in the statement
/// that inserts the movements: reading the newest movement would walk the ledger for a balance
/// that has not moved for long.
pub async fn holdings_of(
    pool: &PgPool,
    organization_id: Uuid,
) -> Result<Vec<(BalanceEntry, OriginSource, OffsetDateTime)>, LedgerError> {
    let records: Vec<(String, String, String, Decimal, String, OffsetDateTime)> = sqlx::query_as(
        "SELECT b.codigo_origen, b.mineral, b.unit, b.quantity, o.source, b.updated_at
         FROM balances b JOIN origin_codes o ON o.codigo_origen = b.codigo_origen
         WHERE b.organization_id = $1 AND b.quantity > 0",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    let mut holdings = records
        .into_iter()
        .map(|(codigo_origen, mineral, unit, quantity, source, at)| {
            let entry = BalanceEntry {
                codigo_origen: CodigoOrigen::parse(&codigo_origen).map_err(decode)?,
                mineral: Mineral::resolve(&mineral).map_err(decode)?,
                unit: Unit::parse(&unit).map_err(decode)?,
                quantity: Quantity::new(quantity).map_err(decode)?,
            };
            let source = OriginSource::from_code(&source)
                .ok_or_else(|| decode(format!("origen desconocido: {source}")))?;
            Ok((entry, source, at))
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    holdings.sort_by_key(|(e, _, _)| (e.codigo_origen, e.mineral, e.unit));
    Ok(holdings)
}

/// An organisation's movements under one origin code, newest first (at most
/// [`MOVEMENTS_PAGE_MAX`]).
pub async fn movements_of(
    pool: &PgPool,
    organization_id: Uuid,
    codigo_origen: CodigoOrigen,
) -> Result<Vec<MovementRow>, LedgerError> {
    let records: Vec<MovementRecord> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {MOVEMENT_COLUMNS} FROM {MOVEMENT_TABLES}
         WHERE m.organization_id = $1 AND m.codigo_origen = $2
         ORDER BY m.sequence DESC LIMIT $3"
    )))
    .bind(organization_id)
    .bind(codigo_origen.to_string())
    .bind(MOVEMENTS_PAGE_MAX)
    .fetch_all(pool)
    .await?;
    records
        .into_iter()
        .map(|r| {
            let entry = r.to_entry(1).map_err(decode)?;
            Ok(MovementRow {
                sequence: r.sequence,
                kind: entry.kind,
                mineral: entry.mineral,
                unit: entry.unit,
                delta: entry.quantity_delta,
                reference: entry.transaction_ref,
                recorded_at_unix_micros: entry.recorded_at_unix_micros,
            })
        })
        .collect()
}

fn decode(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::Database(sqlx::Error::Decode(
        format!("fila del libro ilegible: {error}").into(),
    ))
}

/// The columns of a movement as hashed, for [`MovementRecord`] (`m` = movements, `p` = postings).
pub const MOVEMENT_COLUMNS: &str = "m.movement_id, m.sequence, m.organization_id, m.codigo_origen, \
     m.mineral, m.unit, m.delta, m.kind, p.reference, m.created_at";
/// The tables [`MOVEMENT_COLUMNS`] read.
pub const MOVEMENT_TABLES: &str =
    "movements m JOIN ledger_postings p ON p.posting_id = m.posting_id";

/// A movement as stored, read with [`MOVEMENT_COLUMNS`]: plain columns, so that a tampered row can
/// still be read and reported.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MovementRecord {
    pub movement_id: Uuid,
    pub sequence: i64,
    pub organization_id: Uuid,
    pub codigo_origen: String,
    pub mineral: String,
    pub unit: String,
    pub delta: Decimal,
    pub kind: String,
    pub reference: String,
    pub created_at: OffsetDateTime,
}

impl MovementRecord {
    /// The entry the chain hashes, at `chain_position` (its place in the chain, 1 for the first).
    pub fn to_entry(&self, chain_position: u64) -> Result<LedgerEntry, String> {
        let kind = MovementKind::from_code(&self.kind)
            .ok_or_else(|| format!("tipo de movimiento desconocido «{}»", self.kind))?;
        let micros = self.created_at.unix_timestamp_nanos() / 1_000;
        Ok(LedgerEntry {
            movement_id: self.movement_id,
            sequence: chain_position,
            organisation_id: self.organization_id,
            codigo_origen: CodigoOrigen::parse(&self.codigo_origen).map_err(|e| e.to_string())?,
            mineral: Mineral::resolve(&self.mineral).map_err(|e| e.to_string())?,
            unit: Unit::parse(&self.unit).map_err(|e| e.to_string())?,
            quantity_delta: self.delta,
            kind,
            transaction_ref: self.reference.clone(),
            recorded_at_unix_micros: i64::try_from(micros).map_err(|e| e.to_string())?,
        })
    }
}

/// The hash the platform's chain starts from. The ledger keeps one chain for all holders, sealed
/// in `sequence` order; its genesis is domain's with the nil id, which no organisation has.
pub fn chain_genesis() -> Sha256Hex {
    genesis_hash(Uuid::nil())
}
