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
//! Secrets (links' tokens, codes) are stored apart from the bodies (`app::notify::Secrets`): the
//! worker puts them back when it sends, removes them once the message is sent, and gives up a
//! message whose secrets expired before it could go out. A message that cannot be delivered for
//! [`DEAD_AFTER_DAYS`] becomes a dead letter, which the Administrador OTTM sees. A balances email
//! (channel `SALDOS`, queued by a confirmation in its own transaction) is composed here, when sent.
//!
//! Delivery is at least once. A message is sent twice only if its process dies between the send and
//! the record of it (the claim then expires and another worker sends it again); two workers never
//! hold the same claim at once.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use uuid::Uuid;

use app::auth::ssr::PublicUrl;
use app::saldos::ssr::{BalancesSheet, balances_sheet};

use crate::email::EmailTransport;
use crate::sms::SmsGateway;

pub use app::notify::{
    Attachment, Channel, OutgoingEmail, OutgoingSms, Secrets, enqueue_balances, enqueue_email,
    enqueue_secret_email, enqueue_secret_sms, enqueue_sms,
};

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

/// Most messages one [`deliver_due`] run claims, whatever its caller asks (they are sent
/// concurrently, as many at a time as the transports allow).
pub const BATCH_LIMIT_MAX: u32 = 100;

/// Batches the worker keeps in flight: while one lane claims or records, the other sends, so the
/// connections never wait on the database.
const WORKER_LANES: usize = 2;

/// A lane's batch, in SMTP sessions of the transport: enough that the sessions stay busy while
/// the batch's SMS (no session) and slower sends finish, few enough that a validation code
/// (claimed first) never waits long for the batch ahead of it, nor many composed emails sit in
/// memory (issue 14: batches of 100 held codes 1.5 s at the median and took the server to
/// 148 MiB; batches of one session's worth left the sessions idle, 175 messages/s against 252).
const WORKER_BATCH_SESSIONS: u32 = 4;

/// Balances read and SMS sent at once by this process, whatever the batches and lanes: bounds the
/// database connections the worker takes from the requests, and the SMS provider's connections.
/// (The SMTP transport bounds its own sessions: `SMTP_CONNECTIONS`.)
static TURNS: Semaphore = Semaphore::const_new(10);

/// Longest wait for one send; past it the attempt counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a claimed row is left to its worker. Longer than [`SEND_TIMEOUT`] with room for the
/// record, so a claim only expires when its worker died.
const CLAIM_LEASE: Duration = Duration::from_secs(120);

/// How long the worker keeps trying to record an outcome while the database is away (`recorded`):
/// well within the lease left after the send.
const RECORD_RETRY_FOR: Duration = Duration::from_secs(60);
const RECORD_RETRY_FIRST: Duration = Duration::from_millis(100);
const RECORD_RETRY_MAX: Duration = Duration::from_secs(2);
const _: () = assert!(SEND_TIMEOUT.as_secs() + RECORD_RETRY_FOR.as_secs() < CLAIM_LEASE.as_secs());

/// The first retry waits this long; each further one twice as long, up to [`RETRY_DELAY_MAX`].
const RETRY_DELAY_FIRST: Duration = Duration::from_secs(5);
const RETRY_DELAY_MAX: Duration = Duration::from_secs(3600);

/// Without a notification (one was missed, or LISTEN is unavailable) the worker still looks for
/// due rows this often: retries become due by time, not by notification.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Sent messages are kept this long (for support questions), then deleted: their bodies may
/// carry one-time links and codes.
const SENT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// A message not delivered after this many days is given up (a dead letter).
pub const DEAD_AFTER_DAYS: i32 = 3;
/// Dead letters are kept this long for the Administrador OTTM, then deleted.
const DEAD_RETENTION_DAYS: i32 = 30;
/// Development SMS log rows are kept this long.
const SMS_DEV_LOG_RETENTION_DAYS: i32 = 7;
/// How often the worker gives up what is dead and purges what is old.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(60);
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
    secrets: Option<Vec<String>>,
    organization_id: Option<Uuid>,
    attempts: i32,
}

enum Message {
    Email(OutgoingEmail),
    Sms(OutgoingSms),
    /// A balances email, composed when sent.
    Balances {
        organization_id: Uuid,
        lead: String,
    },
}

impl ClaimedRow {
    /// A stored body with its secrets put back.
    fn body(&self, stored: &str) -> String {
        app::notify::with_secrets(stored, self.secrets.as_deref().unwrap_or_default())
    }

    /// The message to send; `None` for a row that breaks the table's CHECKs (a bug).
    fn message(&self) -> Option<Message> {
        match (
            Channel::from_code(&self.channel)?,
            &self.subject,
            &self.body_html,
        ) {
            (Channel::Saldos, _, _) => Some(Message::Balances {
                organization_id: self.organization_id?,
                lead: self.body_text.clone(),
            }),
            (Channel::Email, Some(subject), Some(html)) => Some(Message::Email(OutgoingEmail {
                to: self.recipient.clone(),
                to_name: self.recipient_name.clone(),
                subject: subject.clone(),
                text: self.body(&self.body_text),
                html: self.body(html),
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
            (Channel::Sms, _, _) => Some(Message::Sms(OutgoingSms {
                to: self.recipient.clone(),
                text: self.body(&self.body_text),
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
    public_url: &PublicUrl,
    batch_limit: u32,
) -> Result<DeliveryReport, sqlx::Error> {
    let rows = claim_due(pool, batch_limit.clamp(1, BATCH_LIMIT_MAX)).await?;
    let sheets = balances_sheets(pool, &rows).await;
    let outcomes = join_all(
        rows.iter()
            .map(|row| send(public_url, row, &sheets, email, sms)),
    )
    .await;

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
        recorded(|| async {
            sqlx::query(
                "UPDATE outbox SET sent_at = now(), claimed_until = NULL, secrets = NULL,
                        secrets_expire_at = NULL
                 WHERE outbox_id = ANY($1) AND sent_at IS NULL",
            )
            .bind(&sent_ids)
            .execute(pool)
            .await
        })
        .await?;
        report.sent = u32::try_from(sent_ids.len()).unwrap_or(u32::MAX);
    }
    for (row, error) in failures {
        recorded(|| record_failure(pool, row, &error)).await?;
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
/// workers away afterwards. Messages carrying a one-time secret (codes, PINs, single-use links:
/// someone waits for them at a screen) come first, then the rest in the order they fell due.
async fn claim_due(pool: &PgPool, limit: u32) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    sqlx::query_as::<_, ClaimedRow>(
        "WITH due AS (
             SELECT outbox_id FROM outbox
             WHERE sent_at IS NULL AND dead_at IS NULL
               AND next_attempt_at <= now()
               AND (claimed_until IS NULL OR claimed_until < now())
               AND (secrets_expire_at IS NULL OR secrets_expire_at > now())
             ORDER BY (secrets IS NULL), next_attempt_at, outbox_id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         )
         UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
         FROM due WHERE outbox.outbox_id = due.outbox_id
         RETURNING outbox.outbox_id, channel, recipient, recipient_name, subject, body_text,
                   body_html, attachment_name, attachment_type, attachment_content, secrets,
                   organization_id, attempts",
    )
    .bind(i64::from(limit))
    .bind(CLAIM_LEASE.as_secs_f64())
    .fetch_all(pool)
    .await
}

/// The balances of each organisation the batch's balances emails go to, read once however many
/// emails it has in the batch (a busy buyer has one per purchase, and hundreds of balances), at
/// most [`TURNS`] organisations at a time. A failed read fails that organisation's emails.
async fn balances_sheets(
    pool: &PgPool,
    rows: &[ClaimedRow],
) -> HashMap<Uuid, Result<BalancesSheet, String>> {
    let organizations: BTreeSet<Uuid> = rows
        .iter()
        .filter(|row| row.channel == Channel::Saldos.code())
        .filter_map(|row| row.organization_id)
        .collect();
    join_all(organizations.into_iter().map(|organization_id| async move {
        let read = async {
            let _turn = TURNS.acquire().await.map_err(|error| error.to_string())?;
            balances_sheet(pool, organization_id)
                .await
                .map_err(|error| error.to_string())
        };
        (organization_id, read.await)
    }))
    .await
    .into_iter()
    .collect()
}

async fn send(
    public_url: &PublicUrl,
    row: &ClaimedRow,
    sheets: &HashMap<Uuid, Result<BalancesSheet, String>>,
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
            Message::Sms(outgoing) => {
                let _turn = TURNS
                    .acquire()
                    .await
                    .map_err(|_| DeliveryError::new("el envío se cerró"))?;
                sms.send(&outgoing.to, &outgoing.text).await
            }
            Message::Balances {
                organization_id,
                lead,
            } => {
                let composed = match sheets.get(organization_id) {
                    Some(Ok(sheet)) => sheet
                        .message(public_url, Some(lead.clone()), OffsetDateTime::now_utc())
                        .map_err(|error| error.to_string()),
                    Some(Err(error)) => Err(error.clone()),
                    None => Err("sin leer".to_owned()),
                }
                .map_err(|error| {
                    DeliveryError::new(format!("no se pudo componer el correo de saldos: {error}"))
                })?;
                email
                    .send(&composed.to(&composed.contact_email, &composed.razon_social))
                    .await
            }
        }
    };
    // Waiting for a turn or an SMTP session counts in the timeout: a row never outlives its
    // claim's lease.
    tokio::time::timeout(SEND_TIMEOUT, sending)
        .await
        .unwrap_or_else(|_| {
            Err(DeliveryError::new(format!(
                "sin respuesta en {} s",
                SEND_TIMEOUT.as_secs()
            )))
        })
}

/// Runs the statement that records a delivery's outcome, again and again while the database
/// does not answer, for at most [`RECORD_RETRY_FOR`]. Within the claim's lease, so no other worker
/// takes the row meanwhile: a message sent while PostgreSQL restarts is recorded once it is back
/// (not sent again when its lease expires), and a failed one is retried at its backoff (not left
/// claimed for the whole lease).
async fn recorded<T, F, Fut>(mut statement: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let started = std::time::Instant::now();
    let mut wait = RECORD_RETRY_FIRST;
    loop {
        match statement().await {
            Ok(done) => return Ok(done),
            Err(error) if started.elapsed() + wait < RECORD_RETRY_FOR => {
                tracing::warn!(%error, retry_in_ms = wait.as_millis(), "outbox: no se pudo registrar la entrega; se reintenta");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECORD_RETRY_MAX);
            }
            Err(error) => return Err(error),
        }
    }
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

/// Gives up what can no longer be delivered: messages whose secrets expired unsent, and messages
/// failing for [`DEAD_AFTER_DAYS`]. Their secrets are removed; the reason stays for the
/// Administrador OTTM. Returns how many.
pub async fn give_up_dead(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let given_up = sqlx::query(
        "UPDATE outbox
         SET dead_at = now(), secrets = NULL, claimed_until = NULL,
             dead_reason = left(CASE
                 WHEN secrets_expire_at <= now()
                     THEN 'Los enlaces o códigos del mensaje vencieron antes de poder enviarlo.'
                 ELSE 'No se pudo entregar en ' || $1 || ' días: ' || coalesce(last_error, 'sin respuesta')
             END, 500)
         WHERE sent_at IS NULL AND dead_at IS NULL
           AND (claimed_until IS NULL OR claimed_until < now())
           AND (secrets_expire_at <= now() OR created_at < now() - make_interval(days => $1))",
    )
    .bind(DEAD_AFTER_DAYS)
    .execute(pool)
    .await?
    .rows_affected();
    if given_up > 0 {
        tracing::warn!(given_up, "outbox: mensajes abandonados (cartas muertas)");
    }
    Ok(given_up)
}

/// Deletes what no one needs any more: sent messages after [`SENT_RETENTION`], dead letters after
/// a month, the development SMS log after a week, limit events after theirs. Bounded deletes, each
/// its own short transaction, until none is full.
async fn purge_old(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    loop {
        let rows = purge_sent(pool, SENT_RETENTION).await?;
        deleted += rows;
        if rows < u64::from(PURGE_BATCH_ROWS) {
            break;
        }
    }
    deleted += sqlx::query(
        "DELETE FROM outbox WHERE outbox_id IN (
             SELECT outbox_id FROM outbox WHERE dead_at < now() - make_interval(days => $1) LIMIT $2)",
    )
    .bind(DEAD_RETENTION_DAYS)
    .bind(i64::from(PURGE_BATCH_ROWS))
    .execute(pool)
    .await?
    .rows_affected();
    deleted += sqlx::query(
        "DELETE FROM sms_dev_log WHERE sms_dev_log_id IN (
             SELECT sms_dev_log_id FROM sms_dev_log
             WHERE created_at < now() - make_interval(days => $1) LIMIT $2)",
    )
    .bind(SMS_DEV_LOG_RETENTION_DAYS)
    .bind(i64::from(PURGE_BATCH_ROWS))
    .execute(pool)
    .await?
    .rows_affected();
    deleted += app::limits::purge(pool, i64::from(PURGE_BATCH_ROWS)).await?;
    Ok(deleted)
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
    public_url: PublicUrl,
) -> JoinHandle<()> {
    tokio::spawn(run_worker(pool, transport, sms, public_url))
}

async fn run_worker(
    pool: PgPool,
    transport: Arc<dyn EmailTransport>,
    sms: Arc<dyn SmsGateway>,
    public_url: PublicUrl,
) {
    let mut listener = listen(&pool).await;
    let mut last_purge: Option<tokio::time::Instant> = None;
    loop {
        // A full batch means there may be more: each lane goes on at once until it finds less.
        let batch_limit = (transport.sessions() * WORKER_BATCH_SESSIONS).clamp(1, BATCH_LIMIT_MAX);
        let lane = || async {
            loop {
                let delivered = deliver_due(
                    &pool,
                    transport.as_ref(),
                    sms.as_ref(),
                    &public_url,
                    batch_limit,
                )
                .await;
                match delivered {
                    Ok(report) if report.claimed == batch_limit => {}
                    Ok(_) => return true,
                    Err(sqlx::Error::PoolClosed) => return false,
                    Err(error) => {
                        tracing::warn!(%error, "outbox: no se pudieron leer los mensajes pendientes");
                        return true;
                    }
                }
            }
        };
        if !join_all((0..WORKER_LANES).map(|_| lane()))
            .await
            .into_iter()
            .all(|open| open)
        {
            return;
        }
        if last_purge.is_none_or(|at| at.elapsed() >= HOUSEKEEPING_INTERVAL) {
            let housekeeping = async {
                give_up_dead(&pool).await?;
                purge_old(&pool).await
            };
            match housekeeping.await {
                Ok(deleted) if deleted > 0 => {
                    tracing::info!(deleted, "outbox: filas antiguas depuradas");
                }
                Ok(_) => {}
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => tracing::warn!(%error, "outbox: no se pudo depurar"),
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
