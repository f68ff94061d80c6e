//! The limits of `domain::limits`, counted in PostgreSQL: events in `limit_events`, subjects that
//! reached a limit in `limit_blocks`. Counting and blocking for one (limit, subject) run under a
//! transaction-level advisory lock on that pair, so two requests (on two servers) cannot both pass
//! the last free place.

use domain::{Limit, LimitReached};
use sqlx::PgConnection;

use crate::error::AppError;

/// Whether the event that was just recorded made the subject reach the limit (the caller then
/// tells whom it must: the seller, the account holder, the administrator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Below,
    Reached,
}

/// Takes the locks of the (`limit`, `subject`) pairs, in the order given, until the transaction
/// ends. Callers that take several name them in one fixed order (the more specific first).
async fn lock(conn: &mut PgConnection, pairs: &[(&Limit, &str)]) -> Result<(), sqlx::Error> {
    let (names, subjects) = columns(pairs);
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended(p.name || '/' || p.subject, 0))
         FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS p(name, subject, n)
         ORDER BY p.n",
    )
    .bind(names)
    .bind(subjects)
    .execute(conn)
    .await?;
    Ok(())
}

fn columns<'a>(pairs: &[(&'a Limit, &'a str)]) -> (Vec<&'a str>, Vec<&'a str>) {
    pairs
        .iter()
        .map(|(limit, subject)| (limit.name, *subject))
        .unzip()
}

/// Refuses (`Throttled`, HTTP 429, with when to retry) while the subject is blocked. Takes the
/// pair's lock, so a [`record`] later in the same transaction counts without a race.
pub async fn check(conn: &mut PgConnection, limit: &Limit, subject: &str) -> Result<(), AppError> {
    check_all(conn, &[(limit, subject)]).await
}

/// [`check`] of several pairs in two statements whatever their number (a confirmation checks
/// two): their locks, then one read of their blocks, after the locks so that it sees every block
/// committed before them. Refuses with the first blocked pair, in the order given.
pub async fn check_all(conn: &mut PgConnection, pairs: &[(&Limit, &str)]) -> Result<(), AppError> {
    lock(conn, pairs).await?;
    let (names, subjects) = columns(pairs);
    let blocked: Option<(i64, i64)> = sqlx::query_as(
        "SELECT p.n, ceil(extract(epoch FROM b.blocked_until - now()))::bigint
         FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS p(name, subject, n)
         JOIN limit_blocks b ON b.limit_name = p.name AND b.subject = p.subject
         WHERE b.blocked_until > now()
         ORDER BY p.n LIMIT 1",
    )
    .bind(names)
    .bind(subjects)
    .fetch_optional(conn)
    .await?;
    let refused = blocked.and_then(|(n, seconds)| {
        let (limit, _) = pairs.get(usize::try_from(n - 1).ok()?)?;
        Some(throttled(limit.refusal(seconds)))
    });
    refused.map_or(Ok(()), Err)
}

/// Records one event; when it makes the window's count reach the maximum, blocks the subject for
/// the limit's block time and answers [`Recorded::Reached`].
pub async fn record(
    conn: &mut PgConnection,
    limit: &Limit,
    subject: &str,
    detail: Option<&str>,
) -> Result<Recorded, sqlx::Error> {
    lock(conn, &[(limit, subject)]).await?;
    let count: i64 = sqlx::query_scalar(
        "WITH added AS (
             INSERT INTO limit_events (limit_name, subject, detail) VALUES ($1, $2, $3)
         )
         SELECT count(*) + 1 FROM limit_events
         WHERE limit_name = $1 AND subject = $2 AND at > now() - make_interval(secs => $4)",
    )
    .bind(limit.name)
    .bind(subject)
    .bind(detail)
    .bind(f64::from(limit.window_s))
    .fetch_one(&mut *conn)
    .await?;
    if count < i64::from(limit.max) {
        return Ok(Recorded::Below);
    }
    sqlx::query(
        "INSERT INTO limit_blocks (limit_name, subject, blocked_until)
         VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (limit_name, subject)
         DO UPDATE SET blocked_until = excluded.blocked_until, created_at = now()",
    )
    .bind(limit.name)
    .bind(subject)
    .bind(f64::from(limit.block_s))
    .execute(conn)
    .await?;
    Ok(Recorded::Reached)
}

/// An attempt that is itself what is limited (a look-up, a registration): refused while blocked,
/// else recorded.
pub async fn attempt(
    conn: &mut PgConnection,
    limit: &Limit,
    subject: &str,
    detail: Option<&str>,
) -> Result<Recorded, AppError> {
    check(conn, limit, subject).await?;
    Ok(record(conn, limit, subject, detail).await?)
}

fn throttled(reached: LimitReached) -> AppError {
    AppError::Throttled(reached.to_string())
}

/// Events are kept this long, far beyond every window: they are also the trail of who looked up
/// whom and who tried what.
pub const EVENTS_RETENTION_DAYS: i32 = 90;

/// Deletes events older than [`EVENTS_RETENTION_DAYS`] and blocks that ended (at most `batch`
/// events a call); returns how many rows went.
pub async fn purge(pool: &sqlx::PgPool, batch: i64) -> Result<u64, sqlx::Error> {
    let events = sqlx::query(
        "DELETE FROM limit_events WHERE limit_event_id IN (
             SELECT limit_event_id FROM limit_events
             WHERE at < now() - make_interval(days => $1) LIMIT $2)",
    )
    .bind(EVENTS_RETENTION_DAYS)
    .bind(batch)
    .execute(pool)
    .await?
    .rows_affected();
    let blocks = sqlx::query("DELETE FROM limit_blocks WHERE blocked_until < now()")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(events + blocks)
}
