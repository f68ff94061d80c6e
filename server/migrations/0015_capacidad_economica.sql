-- Capacidad económica (Resolución ANM 1216 de 2025, seed 004): what a comercializador or planta de
-- beneficio declared for a year, and the verdict of domain::economic_capacity on it. Insert-only:
-- submitting again for the same year adds a row, and the latest row of an organisation and year is
-- its evaluation (the earlier ones stay, for the auditor).

CREATE TABLE capacity_evaluations (
    evaluation_id    uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations,
    year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    -- domain::economic_capacity::CapacityDraft as typed, and the CapacityApplication read from it.
    draft            jsonb NOT NULL,
    application      jsonb NOT NULL,
    -- Monto proyectado de comercialización for the year, in pesos (exact).
    projected_amount numeric NOT NULL CHECK (projected_amount > 0),
    passed           boolean NOT NULL,
    -- domain::economic_capacity::EvaluationResult (every criterion, figure, threshold, outcome).
    result           jsonb NOT NULL,
    evidence_sha256  text NOT NULL CHECK (evidence_sha256 ~ '^[0-9a-f]{64}$'),
    submitted_by     uuid NOT NULL REFERENCES users,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- The latest evaluation of an organisation and year.
CREATE INDEX capacity_evaluations_latest
    ON capacity_evaluations (organization_id, year, created_at DESC);

CREATE TRIGGER capacity_evaluations_insert_only
    BEFORE UPDATE OR DELETE ON capacity_evaluations
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER capacity_evaluations_no_truncate
    BEFORE TRUNCATE ON capacity_evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
