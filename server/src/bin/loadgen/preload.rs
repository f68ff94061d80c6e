//! `BENCH_PRELOAD`: a ledger with history before the run, so that the bench shows whether a
//! purchase's steps and the look-ups cost the same with millions of movements as with thousands.
//!
//! Written straight into the database with `generate_series`, in chunks: postings of past months
//! (before the current one, so the month being measured stays the same size) in which each load
//! seller sells 1 g of its code to the bench's buyer, their two movements each, the sealer's queue
//! rows (the server's sealer chains them, and the bench times that), one confirmed purchase per
//! posting for the first tenth of them (copies of the bench's test purchase), and the balances
//! moved by all of it. Foreign keys are not checked during the chunks
//! (`session_replication_role = replica`, the cluster's owner is the bench's role): every key is
//! made here from rows that exist; `verify` afterwards recomputes every balance from the
//! movements and every link of the chain, and the bench prints its verdict.

use std::time::{Duration, Instant};

use domain::{Mineral, MovementKind};
use sqlx::PgPool;
use uuid::Uuid;

use super::Result;
use super::sellers::Seller;

/// Postings a chunk writes (two movements each): one statement, one commit.
const CHUNK_POSTINGS: i64 = 250_000;
/// Days of history the postings spread over, ending the day before the current month.
const HISTORY_DAYS: i64 = 365;

pub struct Preloaded {
    pub movements: i64,
    pub purchases: i64,
    pub took: Duration,
}

/// Writes `movements` movements (rounded down to an even number) and a tenth as many confirmed
/// purchases of the buyer `buyer_id`, from `sellers` in turn, modelled on the purchase `template`.
pub async fn preload(
    pool: &PgPool,
    movements: i64,
    sellers: &[Seller],
    (buyer_id, template): (Uuid, Uuid),
) -> Result<Preloaded> {
    let started = Instant::now();
    let postings = movements / 2;
    let purchases = movements / 10;
    let gold = Mineral::resolve("ORO").map_err(|error| error.to_string())?;
    let seller_ids: Vec<Uuid> = sellers.iter().map(|s| s.organization_id).collect();
    let codes: Vec<&str> = sellers.iter().map(|s| s.origin_code.as_str()).collect();
    let month_start = domain::closing::Month::of(app::compras::ssr::today())
        .first_day()
        .date();
    let fail = |what: &str, error: sqlx::Error| format!("precarga ({what}): {error}");
    let mut from = 0;
    while from < postings {
        let to = (from + CHUNK_POSTINGS).min(postings);
        let mut tx = pool.begin().await.map_err(|e| fail("begin", e))?;
        sqlx::query("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await
            .map_err(|e| fail("session_replication_role", e))?;
        sqlx::query(
            "WITH p AS MATERIALIZED (
                 SELECT i, gen_random_uuid() AS posting_id,
                        ($3::date - 1 - (i % $11)::int) AS day,
                        (($3::date - 1 - (i % $11)::int) + time '12:00') AT TIME ZONE 'America/Bogota' AS at,
                        ($4::uuid[])[(i % cardinality($4::uuid[])) + 1] AS seller,
                        ($5::text[])[(i % cardinality($4::uuid[])) + 1] AS code
                 FROM generate_series($1::bigint, $2::bigint - 1) AS i
             ), postings AS (
                 INSERT INTO ledger_postings (posting_id, kind, reference, operation_date, created_at)
                 SELECT posting_id, 'COMPRA', 'PRECARGA-' || i, day, at FROM p
             ), moved AS (
                 INSERT INTO movements (movement_id, posting_id, organization_id, codigo_origen,
                                        mineral, unit, delta, kind, created_at)
                 SELECT gen_random_uuid(), posting_id, seller, code, $7, $8, -1, $9, at FROM p
                 UNION ALL
                 SELECT gen_random_uuid(), posting_id, $6, code, $7, $8, 1, $10, at FROM p
                 RETURNING sequence
             ), queued AS (
                 INSERT INTO movements_unsealed (sequence) SELECT sequence FROM moved
             )
             INSERT INTO compras
             SELECT (jsonb_populate_record(t, jsonb_build_object(
                        'compra_id', gen_random_uuid(), 'seller_id', p.seller,
                        'ptm_code', gen_random_uuid(), 'posting_id', p.posting_id,
                        'created_at', p.at, 'updated_at', p.at, 'confirmed_at', p.at,
                        'expires_at', p.at + interval '3 days', 'seller_secret_hash', NULL,
                        'seller_decline_hash', NULL, 'erp_key', NULL, 'erp_body_hash', NULL))).*
             FROM p, compras t
             WHERE t.compra_id = $12 AND p.i < $13",
        )
        .bind(from)
        .bind(to)
        .bind(month_start)
        .bind(&seller_ids)
        .bind(&codes)
        .bind(buyer_id)
        .bind(gold.name())
        .bind(gold.unit().code())
        .bind(MovementKind::CompraSalida.code())
        .bind(MovementKind::CompraEntrada.code())
        .bind(HISTORY_DAYS)
        .bind(template)
        .bind(purchases)
        .execute(&mut *tx)
        .await
        .map_err(|e| fail("movimientos", e))?;
        tx.commit().await.map_err(|e| fail("commit", e))?;
        from = to;
        println!(
            "  precarga: {} de {postings} asientos ({:.0} s)",
            to,
            started.elapsed().as_secs_f64()
        );
    }
    // The balances those movements moved: seller k sold every posting i with i % sellers = k.
    let count = |k: usize| {
        let n = i64::try_from(sellers.len()).unwrap_or(1);
        let k = i64::try_from(k).unwrap_or(0);
        postings / n + i64::from(k < postings % n)
    };
    let sold: Vec<i64> = (0..sellers.len()).map(count).collect();
    sqlx::query(
        "WITH s AS (
             SELECT * FROM UNNEST($1::uuid[], $2::char(8)[], $3::bigint[]) AS s(seller, code, n)
             WHERE n > 0
         ), sellers AS (
             UPDATE balances b SET quantity = b.quantity - s.n, updated_at = now() FROM s
             WHERE (b.organization_id, b.codigo_origen, b.mineral, b.unit) = (s.seller, s.code, $5, $6)
         )
         INSERT INTO balances (organization_id, codigo_origen, mineral, unit, quantity)
         SELECT $4, s.code, $5, $6, s.n FROM s
         ON CONFLICT (organization_id, codigo_origen, mineral, unit)
         DO UPDATE SET quantity = balances.quantity + excluded.quantity, updated_at = now()",
    )
    .bind(&seller_ids)
    .bind(&codes)
    .bind(&sold)
    .bind(buyer_id)
    .bind(gold.name())
    .bind(gold.unit().code())
    .execute(pool)
    .await
    .map_err(|e| fail("saldos", e))?;
    sqlx::query("ANALYZE")
        .execute(pool)
        .await
        .map_err(|e| fail("analyze", e))?;
    Ok(Preloaded {
        movements: postings * 2,
        purchases,
        took: started.elapsed(),
    })
}

/// Waits until the sealer has chained every queued movement (at most `limit`); answers how many
/// it chained and in how long.
pub async fn wait_sealed(pool: &PgPool, limit: Duration) -> Result<(i64, Duration)> {
    let started = Instant::now();
    let queued = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM movements_unsealed")
            .fetch_one(pool)
            .await
            .map_err(|error| format!("cola del sellador: {error}"))
    };
    let initial = queued().await?;
    loop {
        let left = queued().await?;
        if left == 0 || started.elapsed() > limit {
            return Ok((initial - left, started.elapsed()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
