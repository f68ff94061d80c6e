-- The seller's informed consent, limits against guessing and floods, organisations approved
-- before they trade, claims over an identity, and the alerts the Administrador OTTM reviews.

-- Purchases: the buyer annuls (ANULADA, which replaces the never-used CANCELADA) and the seller
-- declines (RECHAZADA_POR_VENDEDOR). The list equals domain::compra_status::CompraStatus::ALL
-- (tested by server/tests/api/schema.rs).
ALTER TABLE compras DROP CONSTRAINT compras_status_check;
ALTER TABLE compras ADD CONSTRAINT compras_status_check CHECK (status IN (
    'EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR', 'GESTIONADA_POR_VENDEDOR',
    'PENDIENTE_POR_CONFIRMAR', 'CONFIRMADA', 'REVERSION_PENDIENTE_POR_CONFIRMAR', 'REVERTIDA',
    'ANULADA', 'RECHAZADA_POR_VENDEDOR', 'VENCIDA'));

-- A validation code approves what its message stated: the digest of the consent
-- (domain::consent) is kept with the code, and a purchase that no longer has that digest cannot
-- be confirmed with it. Codes sent before this migration stated nothing: they are void.
UPDATE compras SET code_hash = NULL WHERE code_hash IS NOT NULL;
ALTER TABLE compras
    ADD COLUMN code_consent_digest bytea CHECK (octet_length(code_consent_digest) = 32),
    ADD CONSTRAINT compras_code_has_consent CHECK ((code_hash IS NULL) = (code_consent_digest IS NULL)),
    -- The seller's single-use "No reconozco esta compra" / "Rechazar" link (SHA-256 of its secret).
    ADD COLUMN seller_decline_hash bytea UNIQUE CHECK (octet_length(seller_decline_hash) = 32),
    -- When and why a purchase ended without confirmation (annulled, declined).
    ADD COLUMN ended_at timestamptz,
    ADD COLUMN end_reason text CHECK (length(end_reason) <= 500);

-- What is counted against a limit (domain::limits): one row per event, for one subject (a user,
-- an address, a pair of organisations…). Counted in a window by the server under an advisory
-- lock on (limit, subject), so that several servers share the counts. `detail` makes some of
-- them an audit trail (the document a seller look-up asked for).
CREATE TABLE limit_events (
    limit_event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    limit_name     text NOT NULL CHECK (length(limit_name) BETWEEN 1 AND 60),
    subject        text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    at             timestamptz NOT NULL DEFAULT now(),
    detail         text CHECK (length(detail) <= 500)
);
CREATE INDEX limit_events_subject ON limit_events (limit_name, subject, at);
CREATE INDEX limit_events_at ON limit_events (at);

-- A subject that reached a limit, until when.
CREATE TABLE limit_blocks (
    limit_name    text NOT NULL,
    subject       text NOT NULL,
    blocked_until timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (limit_name, subject)
);

-- Organisations are approved by the Administrador OTTM before they trade
-- (domain::approval::ApprovalStatus). Those registered before this migration were never checked:
-- they start pending like new ones (the demonstration data approves its own).
ALTER TABLE organizations
    ADD COLUMN approval_status text NOT NULL DEFAULT 'PENDIENTE_APROBACION'
        CHECK (approval_status IN ('PENDIENTE_APROBACION', 'APROBADA', 'RECHAZADA', 'SUSPENDIDA')),
    ADD COLUMN contact_email_verified_at  timestamptz,
    ADD COLUMN contact_mobile_verified_at timestamptz,
    ADD COLUMN approval_requested_at      timestamptz,
    ADD COLUMN approval_decided_at        timestamptz,
    ADD COLUMN approval_decided_by        uuid REFERENCES users,
    ADD COLUMN approval_reason            text CHECK (length(approval_reason) <= 1000);
-- A rejected registration no longer holds its document: the real organisation may register it.
ALTER TABLE organizations DROP CONSTRAINT organizations_document_type_document_number_key;
CREATE UNIQUE INDEX organizations_document ON organizations (document_type, document_number)
    WHERE approval_status <> 'RECHAZADA';
-- The Administrador OTTM's list of what waits for a decision.
CREATE INDEX organizations_pending ON organizations (approval_requested_at)
    WHERE approval_status = 'PENDIENTE_APROBACION';

-- The evidence an organisation supports its registration with: only the SHA-256 of each file
-- (computed in the browser; the file is not uploaded), one per kind (domain::approval::EvidenceKind).
CREATE TABLE organization_evidence (
    organization_id uuid NOT NULL REFERENCES organizations,
    kind            text NOT NULL,
    sha256          bytea NOT NULL CHECK (octet_length(sha256) = 32),
    file_name       text CHECK (length(file_name) <= 200),
    added_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, kind)
);

-- The codes that prove an organisation's contact email and mobile reach it
-- (domain::one_time_code, purpose Contact). Hashed with the server's key.
CREATE TABLE contact_verifications (
    organization_id uuid NOT NULL REFERENCES organizations,
    channel         text NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
    code_hash       bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    expires_at      timestamptz NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    sends           integer NOT NULL DEFAULT 1 CHECK (sends >= 1),
    last_sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, channel)
);

-- A claim over an identity document or a mining title that another registration holds. It goes
-- to the Administrador OTTM; the claimant is never told who holds it.
CREATE TABLE organization_claims (
    claim_id          uuid PRIMARY KEY,
    document_type     text NOT NULL,
    document_number   text NOT NULL,
    codigos_expediente text[] NOT NULL DEFAULT '{}',
    razon_social      text NOT NULL CHECK (length(razon_social) BETWEEN 1 AND 200),
    claimant_name     text NOT NULL CHECK (length(claimant_name) BETWEEN 1 AND 200),
    claimant_email    text NOT NULL CHECK (length(claimant_email) BETWEEN 3 AND 320),
    claimant_mobile   text CHECK (length(claimant_mobile) <= 20),
    statement         text NOT NULL CHECK (length(statement) BETWEEN 1 AND 2000),
    evidence_sha256   bytea NOT NULL CHECK (octet_length(evidence_sha256) = 32),
    client_address    text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    status            text NOT NULL DEFAULT 'ABIERTA' CHECK (status IN ('ABIERTA', 'ACEPTADA', 'DESESTIMADA')),
    decided_at        timestamptz,
    decided_by        uuid REFERENCES users,
    decision_reason   text CHECK (length(decision_reason) <= 1000),
    CHECK ((status = 'ABIERTA') = (decided_at IS NULL))
);
CREATE INDEX organization_claims_open ON organization_claims (created_at) WHERE status = 'ABIERTA';

-- What the Administrador OTTM must look at (domain::alert::AlertKind): a purchase a seller did not
-- recognise, codes guessed until a block, a claim over an identity.
CREATE TABLE alerts (
    alert_id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                  text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    organization_id       uuid REFERENCES organizations,
    other_organization_id uuid REFERENCES organizations,
    compra_id             uuid REFERENCES compras,
    detail                text NOT NULL CHECK (length(detail) BETWEEN 1 AND 2000),
    created_at            timestamptz NOT NULL DEFAULT now(),
    reviewed_at           timestamptz,
    reviewed_by           uuid REFERENCES users,
    CHECK ((reviewed_at IS NULL) = (reviewed_by IS NULL))
);
CREATE INDEX alerts_created_at ON alerts (created_at DESC);
