//! The outbox: every email and SMS the platform sends goes through the `outbox` table.
//!
//! A feature that must notify someone calls [`enqueue_email`] or [`enqueue_sms`] with the
//! transaction that makes its change, so the message commits (or rolls back) with it. Those live in
//! `app::notify`, beside the server functions that call them, and are re-exported here. A worker
//! ([`spawn_worker`]) in every server process then delivers due rows: it claims a bounded batch
//! in a short statement (`FOR UPDATE SKIP LOCKED`, plus a claim lease), sends with no transaction
//! open and no row locked, and records the outcome. A failure is retried with exponential backoff,
//! forever: a mail server that is down delays mail, it never loses any.
//!
//! Delivery is at least once. A message is sent twice only if its process dies between the send and
//! the record of it (the claim then expires and another worker sends it again); two workers never
//! hold the same claim at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;

use crate::email::EmailTransport;
use crate::sms::SmsGateway;

pub use app::notify::{Attachment, OutgoingEmail, OutgoingSms, enqueue_email, enqueue_sms};

/// Why one delivery failed: the mail server's or provider's answer, for the log and the
/// `last_error` column. Transports must keep secrets (passwords, tokens) out of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(String);

impl DeliveryError {
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

/// What one [`deliver_due`] run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Due messages this run took (at most its batch limit).
    pub claimed: u32,
    pub sent: u32,
    /// Left for a later attempt.
    pub failed: u32,
}

/// The channel the worker is woken on: `enqueue_email` and `enqueue_sms` notify it in the
/// enqueuing transaction, so the notification arrives at its commit (and never on a rollback).
const NOTIFY_CHANNEL: &str = "outbox";

/// Most messages one [`deliver_due`] run claims, whatever its caller asks: they are sent
/// concurrently, so this also bounds the connections opened to the mail server at once.
pub const BATCH_LIMIT_MAX: u32 = 100;

/// The batch of the worker: as many concurrent sends as the SMTP transport keeps connections,
/// since mail providers limit connections per client.
const WORKER_BATCH_LIMIT: u32 = crate::email::SMTP_POOL_CONNECTIONS_MAX;

/// Longest wait for one send; past it the attempt counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a claimed row is left to its worker. Longer than [`SEND_TIMEOUT`] with room for the
/// record, so a claim only expires when its worker died.
const CLAIM_LEASE: Duration = Duration::from_secs(120);

/// The first retry waits this long; each further one twice as long, up to [`RETRY_DELAY_MAX`].
const RETRY_DELAY_FIRST: Duration = Duration::from_secs(5);
const RETRY_DELAY_MAX: Duration = Duration::from_secs(3600);

/// Without a notification (one was missed, or LISTEN is unavailable) the worker still looks for
/// due rows this often: retries become due by time, not by notification.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Sent messages are kept this long (for support questions), then deleted: their bodies may
/// carry one-time links and codes.
const SENT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);
/// Most rows one purge deletes, so it never holds a long transaction.
const PURGE_BATCH_ROWS: u32 = 10_000;

/// `last_error` keeps at most this many characters (the column's CHECK).
const LAST_ERROR_MAX_CHARS: usize = 500;

/// A claimed row, as stored.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    outbox_id: i64,
    channel: String,
    recipient: String,
    recipient_name: Option<String>,
    subject: Option<String>,
    body_text: String,
    body_html: Option<String>,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment_content: Option<Vec<u8>>,
    attempts: i32,
}

enum Message {
    Email(OutgoingEmail),
    Sms(OutgoingSms),
}

impl ClaimedRow {
    /// The message to send; `None` for a row that breaks the table's CHECKs (a bug).
    fn message(&self) -> Option<Message> {
        match (self.channel.as_str(), &self.subject, &self.body_html) {
            ("EMAIL", Some(subject), Some(html)) => Some(Message::Email(OutgoingEmail {
                to: self.recipient.clone(),
                to_name: self.recipient_name.clone(),
                subject: subject.clone(),
                text: self.body_text.clone(),
                html: html.clone(),
                attachment: match (
                    &self.attachment_name,
                    &self.attachment_type,
                    &self.attachment_content,
                ) {
                    (Some(name), Some(content_type), Some(content)) => Some(Attachment {
                        name: name.clone(),
                        content_type: content_type.clone(),
                        content: content.clone(),
                    }),
                    _ => None,
                },
            })),
            ("SMS", _, _) => Some(Message::Sms(OutgoingSms {
                to: self.recipient.clone(),
                text: self.body_text.clone(),
            })),
            _ => None,
        }
    }
}

/// Delivers up to `batch_limit` due messages (at most [`BATCH_LIMIT_MAX`]) and records each
/// outcome. Safe to run from any number of processes at once: a message is claimed by one run.
///
/// An `Err` is a database failure; the messages already claimed are then retried when their claim
/// expires.
pub async fn deliver_due(
    pool: &PgPool,
    email: &dyn EmailTransport,
    sms: &dyn SmsGateway,
    batch_limit: u32,
) -> Result<DeliveryReport, sqlx::Error> {
    let rows = claim_due(pool, batch_limit.clamp(1, BATCH_LIMIT_MAX)).await?;
    let outcomes = join_all(rows.iter().map(|row| send(row, email, sms))).await;

    let mut report = DeliveryReport {
        claimed: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        ..DeliveryReport::default()
    };
    let mut sent_ids = Vec::with_capacity(rows.len());
    let mut failures = Vec::new();
    for (row, outcome) in rows.iter().zip(outcomes) {
        match outcome {
            Ok(()) => sent_ids.push(row.outbox_id),
            Err(error) => failures.push((row, error)),
        }
    }
    // Sent ones first: if the database fails in between, a failure is retried, not a success
    // sent again.
    if !sent_ids.is_empty() {
        sqlx::query(
            "UPDATE outbox SET sent_at = now(), claimed_until = NULL
             WHERE outbox_id = ANY($1) AND sent_at IS NULL",
        )
        .bind(&sent_ids)
        .execute(pool)
        .await?;
        report.sent = u32::try_from(sent_ids.len()).unwrap_or(u32::MAX);
    }
    for (row, error) in failures {
        record_failure(pool, row, &error).await?;
        report.failed += 1;
    }
    if report.claimed > 0 {
        tracing::debug!(
            claimed = report.claimed,
            sent = report.sent,
            failed = report.failed,
            "outbox: lote entregado"
        );
    }
    Ok(report)
}

/// Takes the due rows in one statement, which is its own short transaction: the row locks of
/// `FOR UPDATE SKIP LOCKED` last only while the claim is written, and the lease keeps other
/// workers away afterwards.
async fn claim_due(pool: &PgPool, limit: u32) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    sqlx::query_as::<_, ClaimedRow>(
        "WITH due AS (
             SELECT outbox_id FROM outbox
             WHERE sent_at IS NULL
               AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY next_attempt_at, outbox_id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         )
         UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
         FROM due WHERE outbox.outbox_id = due.outbox_id
         RETURNING outbox.outbox_id, channel, recipient, recipient_name, subject, body_text,
                   body_html, attachment_name, attachment_type, attachment_content, attempts",
    )
    .bind(i64::from(limit))
    .bind(CLAIM_LEASE.as_secs_f64())
    .fetch_all(pool)
    .await
}

async fn send(
    row: &ClaimedRow,
    email: &dyn EmailTransport,
    sms: &dyn SmsGateway,
) -> Result<(), DeliveryError> {
    let Some(message) = row.message() else {
        return Err(DeliveryError::new(format!(
            "fila inválida para el canal {}",
            row.channel
        )));
    };
    let sending = async {
        match &message {
            Message::Email(outgoing) => email.send(outgoing).await,
            Message::Sms(outgoing) => sms.send(&outgoing.to, &outgoing.text).await,
        }
    };
    tokio::time::timeout(SEND_TIMEOUT, sending)
        .await
        .unwrap_or_else(|_| {
            Err(DeliveryError::new(format!(
                "sin respuesta en {} s",
                SEND_TIMEOUT.as_secs()
            )))
        })
}

async fn record_failure(
    pool: &PgPool,
    row: &ClaimedRow,
    error: &DeliveryError,
) -> Result<(), sqlx::Error> {
    let attempts = row.attempts.saturating_add(1);
    let delay = retry_delay(u32::try_from(attempts).unwrap_or(u32::MAX));
    let reason = truncate_chars(&error.to_string(), LAST_ERROR_MAX_CHARS);
    // The id and the reason only: never the recipient or the body.
    tracing::warn!(
        outbox_id = row.outbox_id,
        channel = %row.channel,
        attempts,
        retry_in_s = delay.as_secs(),
        error = %reason,
        "outbox: no se pudo entregar el mensaje; se reintentará"
    );
    sqlx::query(
        "UPDATE outbox
         SET attempts = $2, last_error = $3, claimed_until = NULL,
             next_attempt_at = now() + make_interval(secs => $4)
         WHERE outbox_id = $1 AND sent_at IS NULL",
    )
    .bind(row.outbox_id)
    .bind(attempts)
    .bind(reason)
    .bind(delay.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// The wait before the next try after `attempts` failures: 5 s, 10 s, 20 s, … up to 1 h, and 1 h
/// from then on (a message is never given up).
pub fn retry_delay(attempts: u32) -> Duration {
    // 2^10 × 5 s already exceeds the maximum: a bounded exponent cannot overflow.
    let doublings = attempts.saturating_sub(1).min(10);
    RETRY_DELAY_FIRST
        .saturating_mul(1 << doublings)
        .min(RETRY_DELAY_MAX)
}

fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// Deletes sent messages older than `retention` (at most [`PURGE_BATCH_ROWS`] per call) and says
/// how many.
pub async fn purge_sent(pool: &PgPool, retention: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM outbox WHERE outbox_id IN (
             SELECT outbox_id FROM outbox
             WHERE sent_at < now() - make_interval(secs => $1)
             LIMIT $2
         )",
    )
    .bind(retention.as_secs_f64())
    .bind(i64::from(PURGE_BATCH_ROWS))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Starts the delivery worker of this process. It wakes on every commit that enqueued a message
/// (`LISTEN outbox`), and every [`POLL_INTERVAL`] anyway for retries; it drains a backlog in
/// batches, purges old sent rows hourly, and stops when the pool is closed. Any number of
/// processes may run one.
///
/// It holds one connection of `pool` for LISTEN.
pub fn spawn_worker(
    pool: PgPool,
    transport: Arc<dyn EmailTransport>,
    sms: Arc<dyn SmsGateway>,
) -> JoinHandle<()> {
    tokio::spawn(run_worker(pool, transport, sms))
}

async fn run_worker(pool: PgPool, transport: Arc<dyn EmailTransport>, sms: Arc<dyn SmsGateway>) {
    let mut listener = listen(&pool).await;
    let mut last_purge: Option<tokio::time::Instant> = None;
    loop {
        // A full batch means there may be more: go on at once until the backlog is drained.
        loop {
            match deliver_due(&pool, transport.as_ref(), sms.as_ref(), WORKER_BATCH_LIMIT).await {
                Ok(report) if report.claimed == WORKER_BATCH_LIMIT => {}
                Ok(_) => break,
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "outbox: no se pudieron leer los mensajes pendientes");
                    break;
                }
            }
        }
        if last_purge.is_none_or(|at| at.elapsed() >= PURGE_INTERVAL) {
            // In bounded deletes, each its own short transaction, until none is full.
            let mut deleted = 0;
            loop {
                match purge_sent(&pool, SENT_RETENTION).await {
                    Ok(rows) => {
                        deleted += rows;
                        if rows < u64::from(PURGE_BATCH_ROWS) {
                            break;
                        }
                    }
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "outbox: no se pudo depurar");
                        break;
                    }
                }
            }
            if deleted > 0 {
                tracing::info!(deleted, "outbox: mensajes enviados depurados");
            }
            last_purge = Some(tokio::time::Instant::now());
        }
        if pool.is_closed() {
            return;
        }
        wait_for_work(&pool, &mut listener).await;
    }
}

/// A listener on the outbox channel, or `None` (the worker then polls) if it cannot be had now.
async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%error, "outbox: sin LISTEN por ahora; se consultará cada 2 s");
            return None;
        }
    };
    match listener.listen(NOTIFY_CHANNEL).await {
        Ok(()) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "outbox: sin LISTEN por ahora; se consultará cada 2 s");
            None
        }
    }
}

/// Returns on a notification or after [`POLL_INTERVAL`], whichever comes first.
async fn wait_for_work(pool: &PgPool, listener: &mut Option<PgListener>) {
    let Some(active) = listener else {
        tokio::time::sleep(POLL_INTERVAL).await;
        *listener = listen(pool).await;
        return;
    };
    match tokio::time::timeout(POLL_INTERVAL, active.recv()).await {
        Ok(Ok(_)) => {
            // Commits that arrived meanwhile are served by the same round.
            while active.next_buffered().is_some() {}
        }
        Ok(Err(sqlx::Error::PoolClosed)) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "outbox: se perdió LISTEN; se reintentará");
            *listener = None;
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Err(_elapsed) => {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{retry_delay, truncate_chars};

    #[test]
    fn the_retry_delay_doubles_from_5_s_and_stops_at_1_h() {
        let seconds: Vec<u64> = (1..=12).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(
            seconds,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(retry_delay(0), Duration::from_secs(5));
        assert_eq!(retry_delay(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("año ñandú", 3), "año");
        assert_eq!(truncate_chars("corto", 500), "corto");
    }
}
