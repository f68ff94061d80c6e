//! `verify`: the whole chain and every balance recomputed from the movements, in one snapshot.

use super::*;

#[derive(sqlx::FromRow)]
struct SealedRecord {
    chain_position: i64,
    entry_hash: Vec<u8>,
    prev_hash: Vec<u8>,
    #[sqlx(flatten)]
    movement: MovementRecord,
}

#[derive(sqlx::FromRow)]
struct MismatchRecord {
    organization_id: Uuid,
    razon_social: Option<String>,
    codigo_origen: String,
    mineral: String,
    unit: String,
    stored: Decimal,
    from_movements: Decimal,
}

/// Recomputes the whole ledger from its movements, in one consistent snapshot: (a) the hash chain
/// over every sealed movement, stopping at the first broken link, and (b) every balance as the sum
/// of its movements. Read-only; its cost grows with the ledger (an audit, not a request path).
pub async fn verify(pool: &PgPool) -> Result<VerifyReport, sqlx::Error> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let (movements, sealed, unsealed, unsealed_stale): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM movements),
                (SELECT count(*) FROM movement_seals),
                (SELECT count(*) FROM movements m
                 WHERE NOT EXISTS (SELECT 1 FROM movement_seals s WHERE s.sequence = m.sequence)),
                (SELECT count(*) FROM movements m
                 WHERE m.created_at < now() - make_interval(secs => $1)
                   AND NOT EXISTS (SELECT 1 FROM movement_seals s WHERE s.sequence = m.sequence))",
    )
    .bind(UNSEALED_GRACE_S)
    .fetch_one(&mut *tx)
    .await?;

    // (a) The chain, page by page from the genesis, link by link.
    let mut chain = None;
    let mut previous = chain_genesis();
    let mut expected_position = 1i64;
    'pages: loop {
        let page: Vec<SealedRecord> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT s.chain_position, s.entry_hash, s.prev_hash, {MOVEMENT_COLUMNS}
             FROM movement_seals s JOIN {MOVEMENT_TABLES} ON m.sequence = s.sequence
             WHERE s.chain_position >= $1 ORDER BY s.chain_position LIMIT $2"
        )))
        .bind(expected_position)
        .bind(VERIFY_PAGE_ROWS)
        .fetch_all(&mut *tx)
        .await?;
        let full = i64::try_from(page.len()).is_ok_and(|n| n == VERIFY_PAGE_ROWS);
        for record in &page {
            let fault = |message: String| ChainFault {
                chain_position: record.chain_position,
                movement_sequence: record.movement.sequence,
                message,
            };
            let position = u64::try_from(record.chain_position).unwrap_or(0);
            let broken = |reason| {
                fault(
                    ChainBroken {
                        at_sequence: position,
                        reason,
                    }
                    .to_string(),
                )
            };
            if record.chain_position != expected_position {
                let expected = u64::try_from(expected_position).unwrap_or(0);
                chain = Some(broken(ChainBreak::SequenceGap { expected }));
                break 'pages;
            }
            let entry = match record.movement.to_entry(position) {
                Ok(entry) => entry,
                Err(reason) => {
                    chain = Some(fault(format!(
                        "La cadena de movimientos está rota en el movimiento {position}: la fila no se puede leer ({reason})."
                    )));
                    break 'pages;
                }
            };
            let (Ok(hash), Ok(prev)) = (
                <[u8; 32]>::try_from(record.entry_hash.as_slice()),
                <[u8; 32]>::try_from(record.prev_hash.as_slice()),
            ) else {
                chain = Some(fault(format!(
                    "La cadena de movimientos está rota en el movimiento {position}: su sello no tiene 32 bytes."
                )));
                break 'pages;
            };
            // The stored link must point at the previous stored hash; domain recomputes the hash.
            if Sha256Hex::from_digest(prev) != previous {
                chain = Some(fault(format!(
                    "La cadena de movimientos está rota en el movimiento {position}: su enlace no apunta al sello anterior."
                )));
                break 'pages;
            }
            let chained = ChainedEntry {
                entry,
                hash: Sha256Hex::from_digest(hash),
            };
            match verify_chain(&previous, std::slice::from_ref(&chained)) {
                Ok(hash) => previous = hash,
                Err(broken) => {
                    chain = Some(fault(broken.to_string()));
                    break 'pages;
                }
            }
            expected_position += 1;
        }
        if !full {
            break;
        }
    }

    // (b) Every balance against the sum of its movements (a balance row without movements must
    // be zero; a movement's balance row always exists: foreign key).
    let (balances_checked, mismatches_total): (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
        "WITH {BALANCE_DIFF} SELECT (SELECT count(*) FROM balances), (SELECT count(*) FROM diff)"
    )))
    .fetch_one(&mut *tx)
    .await?;
    let mismatches: Vec<MismatchRecord> = sqlx::query_as(AssertSqlSafe(format!(
        "WITH {BALANCE_DIFF}
         SELECT d.*, o.razon_social FROM diff d
         LEFT JOIN organizations o ON o.organization_id = d.organization_id
         ORDER BY d.organization_id, d.codigo_origen, d.mineral, d.unit LIMIT $1"
    )))
    .bind(VERIFY_MISMATCHES_MAX)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(VerifyReport {
        movements: count(movements),
        sealed: count(sealed),
        unsealed: count(unsealed),
        unsealed_stale: count(unsealed_stale),
        chain,
        balances_checked: count(balances_checked),
        balance_mismatches_total: count(mismatches_total),
        balance_mismatches: mismatches
            .into_iter()
            .map(|r| BalanceMismatch {
                organization_id: r.organization_id,
                razon_social: r.razon_social.unwrap_or_default(),
                codigo_origen: r.codigo_origen,
                mineral: r.mineral,
                unit: r.unit,
                stored: r.stored,
                from_movements: r.from_movements,
            })
            .collect(),
    })
}

/// Balances whose stored quantity differs from the sum of their movements.
const BALANCE_DIFF: &str = "sums AS (
         SELECT organization_id, codigo_origen, mineral, unit, sum(delta) AS total
         FROM movements GROUP BY organization_id, codigo_origen, mineral, unit
     ), diff AS (
         SELECT coalesce(b.organization_id, s.organization_id) AS organization_id,
                coalesce(b.codigo_origen, s.codigo_origen)::text AS codigo_origen,
                coalesce(b.mineral, s.mineral) AS mineral,
                coalesce(b.unit, s.unit) AS unit,
                coalesce(b.quantity, 0) AS stored,
                coalesce(s.total, 0) AS from_movements
         FROM balances b
         FULL JOIN sums s ON (s.organization_id, s.codigo_origen, s.mineral, s.unit)
                           = (b.organization_id, b.codigo_origen, b.mineral, b.unit)
         WHERE coalesce(b.quantity, 0) <> coalesce(s.total, 0)
     )";
