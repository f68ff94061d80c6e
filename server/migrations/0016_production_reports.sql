-- Reporte de producción (seed 003, Resolución 371 de 2024): a title holder's systems send the
-- measurements of its control points through `/api/produccion/v1` (server::production_api):
-- login → PIN by email → token per environment → batches of records.
--
-- The environments' codes are those of `domain::production_report::Environment` (test
-- `production::environment_checks_match_the_domain` compares them).

-- The PIN of step 1, one pending per user: only its keyed hash (HMAC under the server's key, bound
-- to the user), single use, short-lived, a few tries (policy of `CodePurpose::SignIn`).
CREATE TABLE production_login_pins (
    user_id         uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    code_hash       bytea NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    sends           integer NOT NULL DEFAULT 1 CHECK (sends >= 1),
    first_sent_at   timestamptz NOT NULL DEFAULT now(),
    last_sent_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

-- The tokens of step 2: only the SHA-256 of the secret. One active token per user and environment
-- (a new one disables the previous one in the same transaction); a token unused for 180 days is
-- refused (`domain::production_report::TokenRecord`: the state is computed, never stored, since
-- expiry is a matter of time).
CREATE TABLE production_tokens (
    token_id        uuid PRIMARY KEY,
    token_hash      bytea NOT NULL UNIQUE,
    user_id         uuid NOT NULL REFERENCES users,
    organization_id uuid NOT NULL REFERENCES organizations,
    environment     text NOT NULL CHECK (environment IN ('PRUEBAS', 'PRODUCCION')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    disabled_at     timestamptz
);
CREATE UNIQUE INDEX production_tokens_one_active
    ON production_tokens (user_id, environment) WHERE disabled_at IS NULL;
CREATE INDEX production_tokens_organization ON production_tokens (organization_id, created_at DESC);

-- One request of step 3 (*Historial de cargue*): who, with which token, when, the counts and the
-- answer given per record (`results`, the JSON the API answered).
CREATE TABLE production_batches (
    batch_id        uuid PRIMARY KEY,
    token_id        uuid REFERENCES production_tokens,
    user_id         uuid NOT NULL REFERENCES users,
    organization_id uuid NOT NULL REFERENCES organizations,
    environment     text NOT NULL CHECK (environment IN ('PRUEBAS', 'PRODUCCION')),
    received_at     timestamptz NOT NULL DEFAULT now(),
    total           integer NOT NULL CHECK (total >= 0),
    accepted        integer NOT NULL CHECK (accepted >= 0),
    duplicates      integer NOT NULL CHECK (duplicates >= 0),
    rejected        integer NOT NULL CHECK (rejected >= 0),
    results         jsonb NOT NULL,
    CHECK (accepted + duplicates + rejected = total)
);
CREATE INDEX production_batches_organization
    ON production_batches (organization_id, received_at DESC);
CREATE INDEX production_batches_pruebas ON production_batches (received_at)
    WHERE environment = 'PRUEBAS';

-- One accepted measurement. `consecutivo` is unique per user and environment; `digest` (SHA-256 of
-- the record's canonical content) tells a repeated record from a different one with the same
-- consecutivo. `record` keeps the validated record as JSON (`ProductionRecord`).
CREATE TABLE production_records (
    record_id         uuid PRIMARY KEY,
    -- Deferred: a batch's row is written after its records, with their counts.
    batch_id          uuid NOT NULL REFERENCES production_batches DEFERRABLE INITIALLY DEFERRED,
    user_id           uuid NOT NULL REFERENCES users,
    organization_id   uuid NOT NULL REFERENCES organizations,
    environment       text NOT NULL CHECK (environment IN ('PRUEBAS', 'PRODUCCION')),
    consecutivo       text NOT NULL CHECK (length(consecutivo) BETWEEN 1 AND 400),
    digest            bytea NOT NULL CHECK (length(digest) = 32),
    fecha_toma_medida timestamp NOT NULL,
    tipo_variable_id  integer NOT NULL,
    mineral           text NOT NULL,
    unidad_medida_id  integer NOT NULL,
    valor_variable    numeric(20, 4) NOT NULL,
    tipo_material_id  integer NOT NULL,
    titulos           text[] NOT NULL CHECK (cardinality(titulos) >= 1),
    record            jsonb NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, environment, consecutivo)
);
CREATE INDEX production_records_batch ON production_records (batch_id);
CREATE INDEX production_records_titulos ON production_records USING gin (titulos);
CREATE INDEX production_records_pruebas ON production_records (received_at)
    WHERE environment = 'PRUEBAS';

-- Production data is the official report: never changed nor deleted. Test data may be deleted (the
-- purge, after 8 days), never changed.
CREATE FUNCTION production_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR OLD.environment = 'PRODUCCION' THEN
        RAISE EXCEPTION 'los datos de producción reportados no se modifican ni se borran (% en %)',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER production_records_insert_only
    BEFORE UPDATE OR DELETE ON production_records
    FOR EACH ROW EXECUTE FUNCTION production_refuse_change();
CREATE TRIGGER production_batches_insert_only
    BEFORE UPDATE OR DELETE ON production_batches
    FOR EACH ROW EXECUTE FUNCTION production_refuse_change();

-- The month's production a title holder without systems types or uploads (CSV) on
-- `/produccion/mensual` (`domain::production_report::monthly`): one row per title, mineral and
-- month, in the mineral's unit (`domain::Mineral::unit`). It counts as reported production in the
-- cross-check against sales. Like production data, never changed nor deleted.
CREATE TABLE monthly_production (
    organization_id   uuid NOT NULL REFERENCES organizations,
    codigo_expediente text NOT NULL REFERENCES mining_titles,
    mineral           text NOT NULL,
    month             date NOT NULL CHECK (extract(day FROM month) = 1),
    quantity          numeric(16, 4) NOT NULL CHECK (quantity > 0),
    declared_by       uuid NOT NULL REFERENCES users,
    declared_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (codigo_expediente, mineral, month)
);
CREATE INDEX monthly_production_organization ON monthly_production (organization_id, month DESC);

CREATE FUNCTION monthly_production_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'la producción mensual declarada no se modifica ni se borra (%)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER monthly_production_insert_only
    BEFORE UPDATE OR DELETE ON monthly_production
    FOR EACH ROW EXECUTE FUNCTION monthly_production_refuse_change();
