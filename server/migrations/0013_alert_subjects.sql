-- The cross-checks (a title selling beyond its reported production, a trader buying beyond its
-- projected capacity) find the same excess again on every operation: an alert names what it is
-- about (`subject`, e.g. "T14292011-003/ORO/2026-11"), and while one of the same kind, organisation
-- and subject is open, raising it again only updates its figures (no second email).
ALTER TABLE alerts
    ADD COLUMN subject    text CHECK (length(subject) BETWEEN 1 AND 200),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX alerts_open_subject ON alerts (kind, organization_id, subject)
    WHERE reviewed_at IS NULL AND subject IS NOT NULL;
CREATE INDEX alerts_open ON alerts (created_at DESC) WHERE reviewed_at IS NULL;
