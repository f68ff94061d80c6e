-- The outbox keeps no live secret at rest, gives up on what cannot be delivered, and composes the
-- balances emails of a confirmation itself (server/src/outbox.rs).

-- Secrets (a link's token, a code) are stored apart from the bodies, which hold placeholders
-- (⟦secreto:1⟧…): the worker puts them back when it sends, and they are removed once the message is
-- sent. An unsent message whose secrets expired is not sent any more.
ALTER TABLE outbox
    ADD COLUMN secrets           text[],
    ADD COLUMN secrets_expire_at timestamptz,
    ADD CONSTRAINT outbox_secrets_expire CHECK ((secrets IS NULL) OR (secrets_expire_at IS NOT NULL)),
    -- A message that could not go out for days (or whose secrets expired) is given up: a dead
    -- letter, listed for the Administrador OTTM with the reason.
    ADD COLUMN dead_at           timestamptz,
    ADD COLUMN dead_reason       text CHECK (length(dead_reason) <= 500),
    -- A balances email (channel SALDOS) names its organisation; the worker composes it when it
    -- sends, with the balances of that moment and their TXT.
    ADD COLUMN organization_id   uuid REFERENCES organizations;

ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('EMAIL', 'SMS', 'SALDOS'));
ALTER TABLE outbox DROP CONSTRAINT outbox_fields_match_channel;
ALTER TABLE outbox ADD CONSTRAINT outbox_fields_match_channel CHECK (
    CASE channel
        WHEN 'EMAIL' THEN subject IS NOT NULL AND body_html IS NOT NULL AND organization_id IS NULL
        WHEN 'SALDOS' THEN subject IS NULL AND body_html IS NULL AND organization_id IS NOT NULL
            AND secrets IS NULL
        ELSE subject IS NULL AND body_html IS NULL AND recipient_name IS NULL
            AND organization_id IS NULL AND recipient ~ '^\+[1-9][0-9]{6,14}$'
    END
);

-- The worker's backlog: neither sent nor given up.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
-- The Administrador OTTM's list of dead letters, and their purge.
CREATE INDEX outbox_dead ON outbox (dead_at) WHERE dead_at IS NOT NULL;
-- Sent messages kept their bodies' secrets until now: they are past their use.
UPDATE outbox SET body_text = '(retirado)', body_html = CASE WHEN body_html IS NULL THEN NULL ELSE '(retirado)' END
WHERE sent_at IS NOT NULL;
