//! Messages to people: the notification template of the platform and the outbox they are written
//! to, in the same transaction as the change that caused them. The server's worker delivers them.

use sqlx::PgConnection;
use time::OffsetDateTime;

/// What an outbox row is: the `channel` column, whose CHECK lists exactly these codes (tested in
/// `server/tests/api/schema.rs`). Rows are written and read through this type, never through the
/// codes typed as SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An email with its text and HTML ([`OutgoingEmail`]).
    Email,
    /// A text message ([`OutgoingSms`]).
    Sms,
    /// An organisation's balances email, composed by the worker when it sends it.
    Saldos,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::Email, Self::Sms, Self::Saldos];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
            Self::Saldos => "SALDOS",
        }
    }

    /// The channel of a stored code; `None` for a code the table's CHECK would refuse.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|channel| channel.code() == code)
    }
}

/// An email to send: plain text and HTML alternatives of the same message (see
/// [`notification`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The address only, e.g. `ana@minera.com.co`.
    pub to: String,
    /// Shown by mail clients beside the address.
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// At most one file, sent beside the text and HTML (`multipart/mixed`).
    pub attachment: Option<Attachment>,
}

/// A file attached to an email (the outbox table bounds it: a plain name, at most 1 MiB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// A plain file name, e.g. `saldos_901304961-7_20250306.txt`.
    pub name: String,
    /// Its MIME type, e.g. `text/plain; charset=utf-8`.
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A text message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// International format, e.g. `+573001234567` (the database refuses any other).
    pub to: String,
    pub text: String,
}

/// A notification email (see [`notification`]) to one person.
pub struct Notice<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// Lines under the name (document, role…).
    pub recipient_lines: &'a [&'a str],
    pub subject: String,
    pub paragraphs: &'a [String],
    /// A button's label and its address.
    pub action: Option<(&'a str, &'a str)>,
}

impl Notice<'_> {
    /// The email, in the platform's template, dated now.
    pub fn email(&self) -> OutgoingEmail {
        let (text, html) = notification(
            self.name,
            self.recipient_lines,
            self.paragraphs,
            self.action,
            OffsetDateTime::now_utc(),
        );
        OutgoingEmail {
            to: self.to.to_owned(),
            to_name: Some(self.name.to_owned()),
            subject: self.subject.clone(),
            text,
            html,
            attachment: None,
        }
    }
}

/// Writes a notification email to the outbox, within the caller's transaction; `secrets` are the
/// one-time secrets it carries, if any (see [`Secrets`]).
pub async fn enqueue_notice(
    conn: &mut PgConnection,
    notice: &Notice<'_>,
    secrets: Option<&Secrets<'_>>,
) -> Result<(), sqlx::Error> {
    enqueue_secret_email(conn, &notice.email(), secrets).await
}

/// One-time secrets a message carries (a link's token, a code). They are kept apart from the
/// bodies, which hold a placeholder instead ([`placeholder`]); the worker puts them back when it
/// sends and removes them from the outbox once the message is sent, and a message not sent before
/// `valid_minutes` is given up. So the outbox never keeps a usable secret for longer than it takes
/// to deliver it.
#[derive(Debug, Clone)]
pub struct Secrets<'a> {
    pub values: Vec<&'a str>,
    /// How long the secrets can be used (the link's or code's own validity).
    pub valid_minutes: i32,
}

/// The placeholder of the `n`-th secret (from 1) in a stored body.
pub fn placeholder(n: usize) -> String {
    format!("⟦secreto:{n}⟧")
}

/// `text` with each secret replaced by its placeholder.
fn without_secrets(text: &str, secrets: Option<&Secrets<'_>>) -> String {
    let mut text = text.to_owned();
    if let Some(secrets) = secrets {
        for (index, secret) in secrets.values.iter().enumerate() {
            if !secret.is_empty() {
                text = text.replace(secret, &placeholder(index + 1));
            }
        }
    }
    text
}

/// A stored body with its secrets put back (what is sent).
pub fn with_secrets(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for (index, secret) in secrets.iter().enumerate() {
        text = text.replace(&placeholder(index + 1), secret);
    }
    text
}

/// Adds an email to the outbox within the caller's transaction: it is sent only if that
/// transaction commits, and the worker is woken at the commit.
pub async fn enqueue_email(
    conn: &mut PgConnection,
    email: &OutgoingEmail,
) -> Result<(), sqlx::Error> {
    enqueue_secret_email(conn, email, None).await
}

/// [`enqueue_email`] for an email that carries secrets (see [`Secrets`]).
pub async fn enqueue_secret_email(
    conn: &mut PgConnection,
    email: &OutgoingEmail,
    secrets: Option<&Secrets<'_>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH queued AS (
             INSERT INTO outbox (channel, recipient, recipient_name, subject, body_text, body_html,
                                 attachment_name, attachment_type, attachment_content, secrets,
                                 secrets_expire_at)
             VALUES ($11, $1, $2, $3, $4, $5, $6, $7, $8, $9,
                     CASE WHEN $9::text[] IS NULL THEN NULL ELSE now() + make_interval(mins => $10) END)
             RETURNING outbox_id
         )
         SELECT pg_notify('outbox', '') FROM queued",
    )
    .bind(&email.to)
    .bind(&email.to_name)
    .bind(&email.subject)
    .bind(without_secrets(&email.text, secrets))
    .bind(without_secrets(&email.html, secrets))
    .bind(email.attachment.as_ref().map(|a| &a.name))
    .bind(email.attachment.as_ref().map(|a| &a.content_type))
    .bind(email.attachment.as_ref().map(|a| &a.content))
    .bind(secrets.map(|s| s.values.clone()))
    .bind(secrets.map_or(0, |s| s.valid_minutes))
    .bind(Channel::Email.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds an SMS to the outbox within the caller's transaction (see [`enqueue_email`]). A number
/// not in international format (`+57…`) is refused by the database's CHECK.
pub async fn enqueue_sms(conn: &mut PgConnection, sms: &OutgoingSms) -> Result<(), sqlx::Error> {
    enqueue_secret_sms(conn, sms, None).await
}

/// [`enqueue_sms`] for a message that carries secrets (see [`Secrets`]).
pub async fn enqueue_secret_sms(
    conn: &mut PgConnection,
    sms: &OutgoingSms,
    secrets: Option<&Secrets<'_>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH queued AS (
             INSERT INTO outbox (channel, recipient, body_text, secrets, secrets_expire_at)
             VALUES ($5, $1, $2, $3,
                     CASE WHEN $3::text[] IS NULL THEN NULL ELSE now() + make_interval(mins => $4) END)
             RETURNING outbox_id
         )
         SELECT pg_notify('outbox', '') FROM queued",
    )
    .bind(&sms.to)
    .bind(without_secrets(&sms.text, secrets))
    .bind(secrets.map(|s| s.values.clone()))
    .bind(secrets.map_or(0, |s| s.valid_minutes))
    .bind(Channel::Sms.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds the balances email (with the TXT) of each organisation to the outbox, in one statement
/// within the caller's transaction: the worker composes each when it sends, with the balances of
/// that moment. `lead` is the paragraph that says why (a purchase confirmed…).
pub async fn enqueue_balances(
    conn: &mut PgConnection,
    organization_ids: &[uuid::Uuid],
    lead: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH queued AS (
             INSERT INTO outbox (channel, recipient, body_text, organization_id)
             SELECT $3, contact_email, $2, organization_id FROM organizations
             WHERE organization_id = ANY($1)
             ORDER BY organization_id
             RETURNING outbox_id
         )
         SELECT pg_notify('outbox', '') FROM queued",
    )
    .bind(organization_ids)
    .bind(lead)
    .bind(Channel::Saldos.code())
    .execute(conn)
    .await?;
    Ok(())
}

pub use domain::fecha::BOGOTA;

/// The platform's notification, in the form of the ANM's own (seed 000), signed by the operator:
///
/// "Señores, NAME (lines…) Al día DD del mes MM del año AAAA a las HH:MM:SS el sistema de
/// Trazabilidad Minera de Veta le informa: (paragraphs…) (action link) Atentamente, Veta —
/// Operador…", then "Este e-mail ha sido generado automáticamente, no lo responda." and the
/// operator's contact lines.
///
/// `recipient_lines` go under the name (document, role…); each paragraph is plain text whose line
/// breaks are kept; `action` is a button label and its `http(s)` address; `now` is shown in Bogotá
/// time. Returns `(text, html)`. Every value is escaped in the HTML.
pub fn notification(
    recipient_name: &str,
    recipient_lines: &[&str],
    paragraphs: &[String],
    action: Option<(&str, &str)>,
    now: OffsetDateTime,
) -> (String, String) {
    let operator = &crate::OPERATOR;
    let now = now.to_offset(BOGOTA);
    let stamp = format!(
        "Al día {:02} del mes {:02} del año {} a las {:02}:{:02}:{:02} el sistema de Trazabilidad Minera de {} le informa:",
        now.day(),
        u8::from(now.month()),
        now.year(),
        now.hour(),
        now.minute(),
        now.second(),
        operator.product,
    );
    let signature = format!("{} — {}", operator.product, operator.role);
    const AUTOMATIC: &str = "Este e-mail ha sido generado automáticamente, no lo responda.";

    // Plain text.
    let mut text = String::from("Señores,\n");
    text.push_str(recipient_name);
    text.push('\n');
    for line in recipient_lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&stamp);
    text.push_str("\n\n");
    for paragraph in paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = action {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    text.push_str(&format!("Atentamente,\n{signature}\n\n{AUTOMATIC}\n"));
    for line in operator.contact_lines {
        text.push_str(line);
        text.push('\n');
    }

    // HTML: tables and inline styles only, which is what mail clients render alike.
    let mut body = String::new();
    body.push_str(&format!(
        r#"<p style="margin:0 0 16px 0;">Señores,<br><strong>{}</strong>"#,
        escape_html(recipient_name)
    ));
    for line in recipient_lines {
        body.push_str(&format!("<br>{}", escape_html(line)));
    }
    body.push_str("</p>");
    body.push_str(&format!(
        r#"<p style="margin:0 0 16px 0;">{}</p>"#,
        escape_html(&stamp)
    ));
    for paragraph in paragraphs {
        body.push_str(&format!(
            r#"<p style="margin:0 0 16px 0;">{}</p>"#,
            escape_html(paragraph).replace('\n', "<br>")
        ));
    }
    if let Some((label, url)) = action {
        body.push_str(&action_html(label, url));
    }
    body.push_str(&format!(
        r#"<p style="margin:0;">Atentamente,<br><strong>{}</strong> — {}</p>"#,
        escape_html(operator.product),
        escape_html(operator.role)
    ));
    let mut footer = escape_html(AUTOMATIC);
    for line in operator.contact_lines {
        footer.push_str("<br>");
        footer.push_str(&escape_html(line));
    }
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="es-CO">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{product}</title>
</head>
<body style="margin:0;padding:0;background-color:#f5f7fa;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f5f7fa;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #d9e2ec;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933;">
<tr><td style="background-color:#1d3557;color:#e8eef5;padding:16px 24px;border-bottom:4px solid #c99a2e;"><span style="font-size:22px;font-weight:bold;">{product}</span><br><span style="font-size:13px;">{role}</span></td></tr>
<tr><td style="padding:24px;">{body}</td></tr>
<tr><td style="padding:16px 24px;background-color:#f5f7fa;border-top:1px solid #d9e2ec;font-size:12px;line-height:1.5;color:#52606d;">{footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#,
        product = escape_html(operator.product),
        role = escape_html(operator.role),
    );
    (text, html)
}

/// A button and, under it, the address in full for clients that hide buttons. Only `http(s)`
/// addresses become links: anything else is shown as text.
fn action_html(label: &str, url: &str) -> String {
    let url_html = escape_html(url);
    let lowercase = url.trim_start().to_ascii_lowercase();
    if !(lowercase.starts_with("https://") || lowercase.starts_with("http://")) {
        return format!(
            r#"<p style="margin:0 0 16px 0;">{}: {url_html}</p>"#,
            escape_html(label)
        );
    }
    format!(
        r#"<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px 0;"><tr><td style="background-color:#1d3557;border-radius:4px;"><a href="{url_html}" style="display:inline-block;padding:12px 20px;color:#ffffff;font-weight:bold;text-decoration:none;">{label}</a></td></tr></table>
<p style="margin:0 0 16px 0;font-size:13px;color:#52606d;">Si el botón no abre, copie esta dirección en su navegador:<br><a href="{url_html}" style="color:#1d3557;word-break:break-all;">{url_html}</a></p>"#,
        label = escape_html(label),
    )
}

/// Makes text safe inside HTML elements and double- or single-quoted attributes.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_leave_the_body_and_come_back_when_sent() {
        let secrets = Secrets {
            values: vec!["12345678", "abcdef"],
            valid_minutes: 15,
        };
        let stored = without_secrets("Código 12345678, enlace /venta/abcdef", Some(&secrets));
        assert_eq!(stored, "Código ⟦secreto:1⟧, enlace /venta/⟦secreto:2⟧");
        assert_eq!(
            with_secrets(&stored, &["12345678".to_owned(), "abcdef".to_owned()]),
            "Código 12345678, enlace /venta/abcdef"
        );
    }
}
