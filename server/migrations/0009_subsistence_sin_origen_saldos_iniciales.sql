-- Every kind of purchase of the menu: subsistence miners (a registry with its state, their cupos
-- summed across buyers, an origin code per miner and mineral), purchases without identified
-- origin (a separate balance), and declarations of initial balances.

-- The registry of subsistence miners (the stand-in for GÉNESIS/RUCOM, loaded from its CSV export):
-- a miner sells only while ACTIVO (domain::subsistence_registry::RegistryState). A miner of the
-- registry need not have an email: the codes go by SMS.
ALTER TABLE organizations
    ADD COLUMN registry_state text CHECK (registry_state IN ('ACTIVO', 'INACTIVO')),
    ADD COLUMN registry_loaded_at timestamptz,
    ADD CONSTRAINT organizations_registry_state_kind
        CHECK (registry_state IS NULL OR kind = 'MINERO_SUBSISTENCIA'),
    ALTER COLUMN contact_email DROP NOT NULL,
    ADD CONSTRAINT organizations_contact_email_required
        CHECK (contact_email IS NOT NULL OR kind = 'MINERO_SUBSISTENCIA');

-- Where an origin code's mineral came from (domain::codigo_origen::OriginSource). PRODUCCION: a
-- title holder's, issued by the Administrador OTTM with its initial quantity (every code so far);
-- SALDO_INICIAL: an approved declaration's lot; MINERO_SUBSISTENCIA: one miner and mineral,
-- issued on the miner's first sale (organization_id is the miner); SIN_ORIGEN: a buyer's mineral
-- without identified origin, one code per buyer and mineral, never merged with the others.
ALTER TABLE origin_codes
    ADD COLUMN source text NOT NULL DEFAULT 'PRODUCCION'
        CHECK (source IN ('PRODUCCION', 'SALDO_INICIAL', 'MINERO_SUBSISTENCIA', 'SIN_ORIGEN')),
    ALTER COLUMN initial_quantity DROP NOT NULL,
    ADD CONSTRAINT origin_codes_initial_quantity_source
        CHECK ((initial_quantity IS NOT NULL) = (source IN ('PRODUCCION', 'SALDO_INICIAL')));
ALTER TABLE origin_codes ALTER COLUMN source DROP DEFAULT;
-- One code per miner (or buyer) and mineral, reused by every later purchase.
CREATE UNIQUE INDEX origin_codes_one_per_holder_mineral ON origin_codes (organization_id, mineral, unit, source)
    WHERE source IN ('MINERO_SUBSISTENCIA', 'SIN_ORIGEN');

ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_kind_check;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_kind_check
    CHECK (kind IN ('SALDO_INICIAL', 'COMPRA', 'COMPRA_SUBSISTENCIA', 'COMPRA_SIN_ORIGEN'));

ALTER TABLE compras DROP CONSTRAINT compras_channel_check;
ALTER TABLE compras ADD CONSTRAINT compras_channel_check
    CHECK (channel IN ('URL', 'WEB_SERVICE', 'TXT', 'COMPRADOR'));
-- A purchase without identified origin: what the buyer declares of where the material comes from,
-- and the grams it counts against the buyer's monthly limit, in the month of its transaction date
-- (domain::sin_origen).
ALTER TABLE compras
    ADD COLUMN origin_declaration text CHECK (length(origin_declaration) <= 2000),
    ADD COLUMN sin_origen_grams   numeric(24, 10) CHECK (sin_origen_grams > 0),
    ADD COLUMN sin_origen_month   date CHECK (extract(day FROM sin_origen_month) = 1),
    ADD CONSTRAINT compras_sin_origen_fields CHECK (
        (origin_declaration IS NULL) = (sin_origen_grams IS NULL)
        AND (origin_declaration IS NULL) = (sin_origen_month IS NULL));
-- The buyer's monthly sum, and the auditor's list.
CREATE INDEX compras_sin_origen ON compras (buyer_id, sin_origen_month)
    WHERE sin_origen_month IS NOT NULL;

-- What each confirmed purchase took from a subsistence miner's cupo, per row of the table of
-- Resolución 40103 de 2017 (domain::SubsistenceMineral), in the row's unit, dated by the
-- purchase's transaction date (a purchase dated last month counts against last month). Summed
-- across buyers under a lock on the miner's row of `organizations`. Insert-only: a reversal
-- (issue 12) adds a negative row.
CREATE TABLE subsistence_sales (
    compra_id        uuid NOT NULL REFERENCES compras,
    miner_id         uuid NOT NULL REFERENCES organizations,
    row_code         text NOT NULL CHECK (row_code IN (
                         'METALES_PRECIOSOS', 'PIEDRAS_PRECIOSAS', 'ARENAS_Y_GRAVAS_DE_RIO', 'ARCILLAS')),
    quantity         numeric(24, 10) NOT NULL CHECK (quantity <> 0),
    transaction_date date NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (compra_id, row_code)
);
CREATE INDEX subsistence_sales_miner ON subsistence_sales (miner_id, row_code, transaction_date);

-- Registro de saldos iniciales: an organisation's inventory at its start on the platform, with the
-- SHA-256 of the certificate its accountant signed; the Administrador OTTM approves (each lot
-- becomes an origin code with a SALDO_INICIAL posting) or rejects with a reason.
CREATE TABLE initial_balance_declarations (
    declaration_id  uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations,
    declared_by     uuid NOT NULL REFERENCES users,
    as_of           date NOT NULL,
    sha256          bytea NOT NULL CHECK (octet_length(sha256) = 32),
    -- domain::initial_balance::Lot, as validated: [{mineral, quantity, unit}]
    lots            jsonb NOT NULL,
    status          text NOT NULL CHECK (status IN ('PENDIENTE', 'APROBADA', 'RECHAZADA')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      uuid REFERENCES users,
    reason          text CHECK (length(reason) <= 1000),
    posting_id      uuid REFERENCES ledger_postings,
    CHECK ((status = 'PENDIENTE') = (decided_at IS NULL)),
    CHECK ((status = 'APROBADA') = (posting_id IS NOT NULL)),
    CHECK (status <> 'RECHAZADA' OR reason IS NOT NULL)
);
-- One declaration waits at a time per organisation.
CREATE UNIQUE INDEX initial_balance_declarations_one_pending
    ON initial_balance_declarations (organization_id) WHERE status = 'PENDIENTE';

-- What happened to a purchase, who did it and when (its page lists them): one row per step of
-- domain::compra_status, written in the step's own transaction. Insert-only.
CREATE TABLE compra_events (
    event_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    compra_id uuid NOT NULL REFERENCES compras,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    action    text NOT NULL CHECK (length(action) BETWEEN 1 AND 200),
    status    text NOT NULL
);
CREATE INDEX compra_events_compra ON compra_events (compra_id, event_id);

-- The tokens a buyer's ERP calls the buyer's API with (`/api/erp/v1`): only their SHA-256 is kept;
-- each acts for its organisation as the administrator who created it.
CREATE TABLE api_tokens (
    token_id        uuid PRIMARY KEY,
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    organization_id uuid NOT NULL REFERENCES organizations,
    created_by      uuid NOT NULL REFERENCES users,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_organization ON api_tokens (organization_id);

-- A purchase created through the buyer's API carries the client's Idempotency-Key and the SHA-256
-- of the body it came with: the same key and body again answer the same purchase.
ALTER TABLE compras
    ADD COLUMN erp_key       text CHECK (length(erp_key) BETWEEN 1 AND 100),
    ADD COLUMN erp_body_hash bytea CHECK (octet_length(erp_body_hash) = 32),
    ADD CONSTRAINT compras_erp_key_body CHECK ((erp_key IS NULL) = (erp_body_hash IS NULL));
CREATE UNIQUE INDEX compras_erp_key ON compras (buyer_id, erp_key) WHERE erp_key IS NOT NULL;
