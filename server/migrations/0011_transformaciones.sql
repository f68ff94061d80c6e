-- Transformaciones: a holder turns balances it holds (inputs) into new minerals (outputs), each
-- output under a new origin code linked to the inputs its metal came from (lineage). One
-- TRANSFORMACION posting takes the inputs out and puts the outputs in; a reversal, while the outputs
-- are untouched, is one REVERSION_TRANSFORMACION posting that names it.

ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_kind_check;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_kind_check
    CHECK (kind IN ('SALDO_INICIAL', 'COMPRA', 'COMPRA_SUBSISTENCIA', 'COMPRA_SIN_ORIGEN',
                    'REVERSION_COMPRA', 'TRANSFORMACION', 'REVERSION_TRANSFORMACION'));

ALTER TABLE origin_codes DROP CONSTRAINT origin_codes_source_check;
ALTER TABLE origin_codes ADD CONSTRAINT origin_codes_source_check
    CHECK (source IN ('PRODUCCION', 'SALDO_INICIAL', 'MINERO_SUBSISTENCIA', 'SIN_ORIGEN',
                      'TRANSFORMACION'));

-- One transformation, as checked by domain::transformation (the draft kept as typed, for the
-- page). Its id is drawn in the browser: a retried request registers nothing twice.
CREATE TABLE transformations (
    transformation_id uuid PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations,
    created_by        uuid NOT NULL REFERENCES users,
    process           text NOT NULL,               -- domain::transformation::Process
    operation_date    date NOT NULL,
    support_sha256    bytea NOT NULL CHECK (octet_length(support_sha256) = 32),
    justification     text CHECK (length(justification) BETWEEN 1 AND 2000),
    draft             jsonb NOT NULL,               -- domain::transformation::TransformationDraft
    -- domain::transformation::ElementBalance per element: [{element, unit, input, output, loss, …}]
    balances          jsonb NOT NULL,
    posting_id        uuid NOT NULL UNIQUE REFERENCES ledger_postings,
    created_at        timestamptz NOT NULL DEFAULT now(),
    reversal_posting_id uuid UNIQUE REFERENCES ledger_postings,
    reversed_at       timestamptz,
    reversed_by       uuid REFERENCES users,
    CHECK ((reversal_posting_id IS NULL) = (reversed_at IS NULL))
);
CREATE INDEX transformations_organization ON transformations (organization_id, created_at DESC);

-- Where each output's metal came from: the share of each input line of the transformation
-- (domain's lineage: the shares of one output add up to exactly 1).
CREATE TABLE origin_lineage (
    codigo_origen        char(8) NOT NULL REFERENCES origin_codes,
    input_position       integer NOT NULL CHECK (input_position >= 0),
    source_codigo_origen char(8) NOT NULL REFERENCES origin_codes,
    source_mineral       text NOT NULL,
    share                numeric(7, 6) NOT NULL CHECK (share >= 0 AND share <= 1),
    transformation_id    uuid NOT NULL REFERENCES transformations,
    PRIMARY KEY (codigo_origen, input_position)
);
CREATE INDEX origin_lineage_source ON origin_lineage (source_codigo_origen);
