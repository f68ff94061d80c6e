//! The emails of a load run: an SMTP catcher the server's outbox worker delivers to, and a reader
//! that finds a step's email the moment the step commits it.
//!
//! The reader looks in the `outbox` table first: the step commits its message with its own
//! transaction, so it is there when the answer arrives, while delivery may lag behind a backlog
//! (docs/BENCHMARK.md, finding 7). The secrets (tokens, codes) are stored apart from the body
//! until the message is sent; once sent they are gone from the table, and the reader takes the
//! message from the catcher instead, which has it by then (the worker records a message as sent
//! only after the SMTP server accepted it).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::Result;

/// Longest wait for an email the server has committed.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(10);

/// Messages kept per recipient (the oldest are dropped): bounds the catcher's memory on long runs.
const KEPT_PER_RECIPIENT: usize = 10_000;

/// One message as delivered: decoded subject and text, and when the catcher accepted it.
#[derive(Debug, Clone)]
pub struct Caught {
    pub subject: String,
    pub text: String,
    pub at: Instant,
}

/// An SMTP server on loopback that accepts every message and keeps the recent ones in memory.
#[derive(Default)]
pub struct Catcher {
    by_recipient: Mutex<HashMap<String, VecDeque<Caught>>>,
}

impl Catcher {
    /// Listens on `addr` until the process ends.
    pub async fn start(addr: &str) -> Result<Arc<Self>> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|error| format!("SMTP: no se pudo abrir {addr}: {error}"))?;
        let catcher = Arc::new(Self::default());
        let accepting = Arc::clone(&catcher);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let catcher = Arc::clone(&accepting);
                tokio::spawn(async move {
                    let _ = catcher.session(stream).await;
                });
            }
        });
        Ok(catcher)
    }

    /// The messages to `recipient` whose subject starts with `subject_prefix` and whose text
    /// contains `needle`, oldest first.
    pub fn matching(&self, recipient: &str, subject_prefix: &str, needle: &str) -> Vec<Caught> {
        let Ok(by_recipient) = self.by_recipient.lock() else {
            return Vec::new();
        };
        by_recipient
            .get(&recipient.to_lowercase())
            .map(|messages| {
                messages
                    .iter()
                    .filter(|m| m.subject.starts_with(subject_prefix) && m.text.contains(needle))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message received, by recipient.
    pub fn count(&self) -> usize {
        self.by_recipient
            .lock()
            .map(|by| by.values().map(VecDeque::len).sum())
            .unwrap_or(0)
    }

    fn keep(&self, recipients: &[String], data: &[u8]) {
        let message = mail_parser::MessageParser::default().parse(data);
        let caught = Caught {
            subject: message
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or_default()
                .to_owned(),
            text: message
                .as_ref()
                .and_then(|m| m.body_text(0))
                .unwrap_or_default()
                .into_owned(),
            at: Instant::now(),
        };
        if let Ok(mut by_recipient) = self.by_recipient.lock() {
            for recipient in recipients {
                let messages = by_recipient.entry(recipient.to_lowercase()).or_default();
                if messages.len() == KEPT_PER_RECIPIENT {
                    messages.pop_front();
                }
                messages.push_back(caught.clone());
            }
        }
    }

    /// One SMTP session: just enough of RFC 5321 for lettre.
    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (reader, mut writer) = stream.into_split();
        let mut lines = BufReader::new(reader);
        writer.write_all(b"220 veta-carga ESMTP\r\n").await?;
        let mut recipients = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            if lines.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let verb = line.get(..4).map(<[u8]>::to_ascii_uppercase);
            match verb.as_deref() {
                Some(b"EHLO") => {
                    writer
                        .write_all(b"250-veta-carga\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                        .await?;
                }
                Some(b"RCPT") => {
                    let text = String::from_utf8_lossy(&line);
                    if let Some(address) = text
                        .split_once('<')
                        .and_then(|(_, rest)| rest.split_once('>'))
                    {
                        recipients.push(address.0.to_owned());
                    }
                    writer.write_all(b"250 2.1.5 OK\r\n").await?;
                }
                Some(b"DATA") => {
                    writer.write_all(b"354 fin con <CRLF>.<CRLF>\r\n").await?;
                    let mut data = Vec::new();
                    loop {
                        line.clear();
                        if lines.read_until(b'\n', &mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == b".\r\n" || line == b".\n" {
                            break;
                        }
                        // Dot-stuffing (RFC 5321 §4.5.2).
                        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
                        data.extend_from_slice(unstuffed);
                    }
                    self.keep(&recipients, &data);
                    recipients.clear();
                    writer.write_all(b"250 2.0.0 OK\r\n").await?;
                }
                Some(b"QUIT") => {
                    writer.write_all(b"221 2.0.0 adios\r\n").await?;
                    return Ok(());
                }
                _ => writer.write_all(b"250 2.0.0 OK\r\n").await?,
            }
        }
    }
}

/// Finds the emails a step wrote: in the outbox while they wait there, else in the catcher.
///
/// Each search looks only at rows newer than a bound taken before the request that writes them
/// (identity values grow with time, and every row already seen was allocated before that
/// request), so it walks a short range of the primary key instead of the whole table.
pub struct Mailbox {
    pub pool: PgPool,
    pub catcher: Arc<Catcher>,
    /// The highest `outbox_id` any search found: a safe lower bound for the next request's mail.
    pub seen: AtomicI64,
}

impl Mailbox {
    /// Reads mail written after the outbox's current end.
    pub async fn new(pool: PgPool, catcher: Arc<Catcher>) -> Result<Self> {
        let start: i64 = sqlx::query_scalar("SELECT coalesce(max(outbox_id), 0) FROM outbox")
            .fetch_one(&pool)
            .await
            .map_err(|error| format!("no se pudo leer el outbox: {error}"))?;
        Ok(Self {
            pool,
            catcher,
            seen: AtomicI64::new(start),
        })
    }

    pub fn bound(&self) -> i64 {
        self.seen.load(Ordering::Relaxed)
    }

    /// The text, secrets included, of the newest email to `recipient` after `since` whose
    /// subject starts with `subject_prefix` and whose text contains `needle` (a text that is not
    /// a secret); polls briefly.
    pub async fn find(
        &self,
        since: i64,
        recipient: &str,
        subject_prefix: &str,
        needle: &str,
    ) -> Result<String> {
        let started = Instant::now();
        loop {
            let found: Option<(i64, String, Option<Vec<String>>)> = sqlx::query_as(
                "SELECT outbox_id, body_text, secrets FROM outbox
                 WHERE outbox_id > $1 AND recipient = $2 AND channel = $5
                   AND starts_with(subject, $3) AND strpos(body_text, $4) > 0
                 ORDER BY outbox_id DESC LIMIT 1",
            )
            .bind(since)
            .bind(recipient)
            .bind(subject_prefix)
            .bind(needle)
            .bind(app::notify::Channel::Email.code())
            // Planned for each call's bound: a cached generic plan does not know that the range
            // is a few rows and scans the whole table.
            .persistent(false)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| format!("lectura del outbox: {error}"))?;
            if let Some((id, text, secrets)) = found {
                self.seen.fetch_max(id, Ordering::Relaxed);
                match secrets {
                    Some(secrets) => return Ok(app::notify::with_secrets(&text, &secrets)),
                    None => {
                        if let Some(sent) = self
                            .catcher
                            .matching(recipient, subject_prefix, needle)
                            .pop()
                        {
                            return Ok(sent.text);
                        }
                    }
                }
            }
            if started.elapsed() > MAIL_TIMEOUT {
                return Err(format!(
                    "ningún correo a {recipient} («{subject_prefix}…») con «{needle}» en {} s",
                    MAIL_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Messages the outbox worker has still to deliver (neither sent nor given up).
pub async fn outbox_backlog(pool: &PgPool) -> Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL")
        .fetch_one(pool)
        .await
        .map_err(|error| format!("lectura del outbox: {error}"))
}

/// The `len` characters after `marker` in `text`.
pub fn after(text: &str, marker: &str, len: usize) -> Result<String> {
    let start = text
        .find(marker)
        .map(|i| i + marker.len())
        .ok_or_else(|| format!("el correo no contiene «{marker}»:\n{text}"))?;
    let value: String = text[start..].chars().take(len).collect();
    if value.chars().count() == len && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(value)
    } else {
        Err(format!(
            "tras «{marker}» no hay {len} caracteres: «{value}»"
        ))
    }
}
