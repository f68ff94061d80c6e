-- Outgoing email and SMS (server/src/outbox.rs).
--
-- A message is written here in the same transaction as the change that caused it, so it exists
-- exactly when the change does: a rolled-back purchase sends nothing, a committed one always sends.
-- A worker in every server process delivers due rows afterwards, outside any transaction, and
-- records the outcome. A mail server or SMS provider that is down delays messages; it never loses
-- them: a failed row gets a later `next_attempt_at` (exponential backoff, 5 s up to 1 h) and is
-- tried again, forever, until it goes out.

CREATE TABLE outbox (
    outbox_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         text        NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
    -- An email address, or for SMS a number in international format (+57…): what the SMS
    -- provider expects, so a number without its country code fails here, at the caller's commit,
    -- and not hours later at the provider.
    recipient       text        NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
    recipient_name  text        CHECK (length(recipient_name) <= 200),
    subject         text        CHECK (length(subject) <= 300),
    body_text       text        NOT NULL CHECK (length(body_text) BETWEEN 1 AND 100000),
    body_html       text        CHECK (length(body_html) <= 200000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Failed deliveries so far; the backoff grows with it.
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Not to be tried before this time (now, for a new row).
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker is sending this row until then; a row whose claim expired (its worker died
    -- mid-send) is due again.
    claimed_until   timestamptz,
    sent_at         timestamptz,
    -- Why the last attempt failed: the server's or provider's answer, truncated, never a secret.
    last_error      text        CHECK (length(last_error) <= 500),
    CONSTRAINT outbox_fields_match_channel CHECK (
        CASE channel
            WHEN 'EMAIL' THEN subject IS NOT NULL AND body_html IS NOT NULL
            ELSE subject IS NULL AND body_html IS NULL AND recipient_name IS NULL
                AND recipient ~ '^\+[1-9][0-9]{6,14}$'
        END
    )
);

-- What the worker asks for on every round: unsent rows by due time. Partial, so it holds only the
-- backlog and stays small however many messages were sent.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Sent rows are deleted after a retention period (their bodies may hold one-time links and
-- codes); this finds them.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Where the recording SMS gateway writes, for development and tests only (SMS_GATEWAY=registro):
-- nothing is sent, and GET /dev/sms lists what would have been.
CREATE TABLE sms_dev_log (
    sms_dev_log_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient      text        NOT NULL,
    body           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sms_dev_log_recipient ON sms_dev_log (recipient, sms_dev_log_id);
