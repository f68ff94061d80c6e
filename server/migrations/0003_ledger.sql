-- The balances ledger: origin codes, balances per (organisation, origin code, mineral, unit), and
-- the append-only movements that change them, grouped in postings and sealed in a SHA-256 chain.
--
-- Every change of a balance goes through one function (`app::ledger::post`): in one transaction it
-- locks the balances it touches in a fixed order, checks them with `domain`'s arithmetic, writes the
-- posting and its movements, and updates the balances. The constraints below are the last line:
-- a bug there still cannot make a balance negative or rewrite the history.

-- An origin code (código de origen), issued to the organisation whose mineral it labels (a title
-- holder's production, for now). Codes are random (never sequential), 8 uppercase hex digits.
CREATE TABLE origin_codes (
    codigo_origen   char(8) PRIMARY KEY CHECK (codigo_origen ~ '^[0-9A-F]{8}$'),
    organization_id uuid NOT NULL REFERENCES organizations,
    mineral         text NOT NULL,              -- canonical name of domain's list (ORO, CARBÓN)
    unit            text NOT NULL CHECK (unit IN ('g', 'kg', 't', 'ozt', 'm3', 'ct')),
    -- What was issued (the SALDO_INICIAL posting that created it, in the mineral's unit).
    initial_quantity numeric(16, 4) NOT NULL CHECK (initial_quantity > 0),
    issued_on       date NOT NULL,              -- the date of the initial balance
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX origin_codes_organization_id ON origin_codes (organization_id);
CREATE INDEX origin_codes_created_at ON origin_codes (created_at DESC);

-- What an organisation holds under one origin code, mineral and unit. Written only by the posting
-- function, always together with the movements that explain it; `verify` recomputes it from them.
CREATE TABLE balances (
    organization_id uuid NOT NULL REFERENCES organizations,
    codigo_origen   char(8) NOT NULL REFERENCES origin_codes,
    mineral         text NOT NULL,
    unit            text NOT NULL CHECK (unit IN ('g', 'kg', 't', 'ozt', 'm3', 'ct')),
    -- domain's Quantity: at most 4 decimals, at most 999 999 999 999,9999. Never negative, whatever
    -- the application does: an oversell that slipped past the posting function fails here.
    quantity        numeric(16, 4) NOT NULL CHECK (quantity >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, codigo_origen, mineral, unit)
);
-- Who holds a code (the seller's editor lists every holder's balance of its codes).
CREATE INDEX balances_codigo_origen ON balances (codigo_origen);

-- One business operation on the ledger (an initial balance, a purchase, later a reversal or a
-- transformation): its movements commit together or not at all.
CREATE TABLE ledger_postings (
    posting_id  uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('SALDO_INICIAL', 'COMPRA')),
    reference   text NOT NULL CHECK (octet_length(reference) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_postings_reference ON ledger_postings (reference);

-- One change of one balance. Insert-only (trigger below): a mistake is corrected by a new, opposite
-- posting (a reversal), never by editing the past.
--
-- `sequence` is the order the sealer chains movements in. Its identity sequence must keep CACHE 1
-- (the default): values are then handed out in the order sessions ask for them, which the sealer's
-- cutoff relies on (see server/src/sealer.rs). Rolled-back postings leave gaps in it; the chain
-- numbers its links itself (`movement_seals.chain_position`), without gaps.
--
-- `created_at` is the time of the insert itself (`clock_timestamp()`, not the transaction's start):
-- the posting function inserts movements only after it holds every lock, so a movement's
-- `created_at` is within microseconds of the moment its `sequence` was drawn.
CREATE TABLE movements (
    movement_id     uuid PRIMARY KEY,
    posting_id      uuid NOT NULL REFERENCES ledger_postings,
    sequence        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    organization_id uuid NOT NULL,
    codigo_origen   char(8) NOT NULL,
    mineral         text NOT NULL,
    unit            text NOT NULL,
    delta           numeric(16, 4) NOT NULL CHECK (delta <> 0),
    kind            text NOT NULL CHECK (kind IN (
                        'SALDO_INICIAL', 'COMPRA_SALIDA', 'COMPRA_ENTRADA',
                        'REVERSION_COMPRA_SALIDA', 'REVERSION_COMPRA_ENTRADA',
                        'TRANSFORMACION_CONSUMO', 'TRANSFORMACION_PRODUCTO',
                        'REVERSION_TRANSFORMACION_CONSUMO', 'REVERSION_TRANSFORMACION_PRODUCTO')),
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Every movement belongs to a balance row (the posting function creates it first).
    FOREIGN KEY (organization_id, codigo_origen, mineral, unit) REFERENCES balances
);
CREATE INDEX movements_posting_id ON movements (posting_id);
-- A holder's history of one code (movements_of), in sequence order either way.
CREATE INDEX movements_balance ON movements (organization_id, codigo_origen, mineral, unit, sequence);

-- The hash chain, written by the sealer behind the commits (never by a request): one link per
-- movement, in `sequence` order, `entry_hash = SHA-256(prev_hash || encoding)` (domain::ledger_hash,
-- with `chain_position` as the entry's sequence). Insert-only, like the movements.
CREATE TABLE movement_seals (
    sequence        bigint PRIMARY KEY REFERENCES movements (sequence),
    chain_position  bigint NOT NULL UNIQUE CHECK (chain_position >= 1),
    entry_hash      bytea NOT NULL CHECK (octet_length(entry_hash) = 32),
    prev_hash       bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
    sealed_at       timestamptz NOT NULL DEFAULT now()
);

-- The history cannot be rewritten through SQL either: UPDATE, DELETE and TRUNCATE are refused on
-- the movements, their postings and their seals. (A superuser can still disable the trigger; the
-- chain is what makes that visible to `verify`.)
CREATE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'el libro de saldos solo admite inserciones: % en % no está permitido',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER movements_insert_only
    BEFORE UPDATE OR DELETE ON movements
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER movements_no_truncate
    BEFORE TRUNCATE ON movements
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER ledger_postings_insert_only
    BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER ledger_postings_no_truncate
    BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER movement_seals_insert_only
    BEFORE UPDATE OR DELETE ON movement_seals
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER movement_seals_no_truncate
    BEFORE TRUNCATE ON movement_seals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
