-- One optional attachment per email (the balances TXT of "Reenviar saldos actualizados").
--
-- The file travels in the row, like the bodies, so that it commits with the change that caused it
-- and survives a mail server that is down. Bounded: a row is read whole by the worker, which claims
-- a batch at a time; 1 MiB is also the most the balances TXT upload accepts
-- (domain::balances_txt::TXT_MAX_BYTES), so a larger file would be useless to its reader.
ALTER TABLE outbox
    -- What the mail client shows and saves: a plain file name, no path.
    ADD COLUMN attachment_name    text CHECK (attachment_name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
    -- Its MIME type, e.g. `text/plain; charset=utf-8`.
    ADD COLUMN attachment_type    text CHECK (length(attachment_type) BETWEEN 3 AND 100),
    ADD COLUMN attachment_content bytea CHECK (octet_length(attachment_content) BETWEEN 1 AND 1048576),
    -- All three or none, and only on an email.
    ADD CONSTRAINT outbox_attachment_complete CHECK (
        (attachment_name IS NULL) = (attachment_type IS NULL)
        AND (attachment_name IS NULL) = (attachment_content IS NULL)
        AND (attachment_name IS NULL OR channel = 'EMAIL')
    );

-- "Reenviar saldos actualizados" is throttled by counting the recent rows with an attachment to an
-- organisation's contact address; partial, so it holds only those rows.
CREATE INDEX outbox_attachments ON outbox (recipient, created_at) WHERE attachment_name IS NOT NULL;
