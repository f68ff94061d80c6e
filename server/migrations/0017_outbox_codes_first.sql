-- Codes before everything else (issue 14): a message that carries a one-time secret (a validation
-- code, a sign-in code, a PIN, a single-use link: `secrets` is set) is someone waiting at a screen,
-- while a balances email can wait a few seconds. The worker claims in this order
-- (`server::outbox::claim_due`); the index serves it.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox ((secrets IS NULL), next_attempt_at, outbox_id)
    WHERE sent_at IS NULL AND dead_at IS NULL;
