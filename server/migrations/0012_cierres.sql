-- Cierres: every posting carries the day its operation happened, and an organisation closes its
-- months in order. A closing freezes the month's balances per origin code (domain::closing's
-- report) with a digest chained to the ledger's hash chain at that point; the posting function
-- refuses anything dated in a closed month (under the closings' advisory lock, see
-- app::ledger::ssr::lock_closings). Closings are never undone: insert-only.

ALTER TABLE ledger_postings ADD COLUMN operation_date date;
-- Postings before this migration happened when they were written (Bogotá time). The history is
-- insert-only; this one backfill of a new column is the exception, made by the owner.
ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_insert_only;
UPDATE ledger_postings SET operation_date = (created_at AT TIME ZONE 'America/Bogota')::date;
ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_insert_only;
ALTER TABLE ledger_postings ALTER COLUMN operation_date SET NOT NULL;
CREATE INDEX ledger_postings_operation_date ON ledger_postings (operation_date);

CREATE TABLE organization_closings (
    organization_id uuid NOT NULL REFERENCES organizations,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),   -- its first day
    closed_at       timestamptz NOT NULL DEFAULT now(),
    closed_by       uuid NOT NULL REFERENCES users,
    -- The last sealed link of the chain when the month was closed (0 and the genesis when none).
    chain_position  bigint NOT NULL CHECK (chain_position >= 0),
    chain_head      bytea NOT NULL CHECK (octet_length(chain_head) = 32),
    -- domain::closing::snapshot_digest of the rows below, the month, the organisation and the head.
    digest          bytea NOT NULL CHECK (octet_length(digest) = 32),
    report          jsonb NOT NULL,                  -- domain::closing::ClosingReport
    PRIMARY KEY (organization_id, month)
);

CREATE TRIGGER organization_closings_insert_only
    BEFORE UPDATE OR DELETE ON organization_closings
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER organization_closings_no_truncate
    BEFORE TRUNCATE ON organization_closings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
