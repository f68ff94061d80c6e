-- Purchases (compras): what the buyer typed, where the purchase stands, the seller's secret (the
-- emailed link or the Web Service token), the validation code, and, once confirmed, the PTM code
-- and the posting that moved the balances. Secrets and codes are kept only as SHA-256.

CREATE TABLE compras (
    compra_id        uuid PRIMARY KEY,
    buyer_id         uuid NOT NULL REFERENCES organizations,
    created_by       uuid NOT NULL REFERENCES users,
    -- The seller found in the registry by its document (and title): set when the buyer hands the
    -- purchase to it or sends it for confirmation, never typed.
    seller_id        uuid REFERENCES organizations,
    seller_type      text NOT NULL CHECK (seller_type IN (
                         'EXPLOTADOR_MINERO_AUTORIZADO', 'COMERCIALIZADOR',
                         'MINERO_SUBSISTENCIA', 'SIN_IDENTIFICACION_ORIGEN')),
    status           text NOT NULL CHECK (status IN (
                         'EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR',
                         'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR', 'CONFIRMADA',
                         'REVERSION_PENDIENTE_POR_CONFIRMAR', 'REVERTIDA', 'CANCELADA', 'VENCIDA')),
    channel          text CHECK (channel IN ('URL', 'WEB_SERVICE', 'TXT')),
    -- domain::CompraDraft as typed (a half-filled form can be saved and resumed).
    draft            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- A purchase without progress until then expires (VENCIDA); every step moves it forward.
    expires_at       timestamptz NOT NULL,

    -- The seller's link or Web Service token (by `channel`): valid until the seller submits or
    -- the purchase expires. A new one replaces the old.
    seller_secret_hash bytea UNIQUE CHECK (octet_length(seller_secret_hash) = 32),
    -- SHA-256 of the Web Service body accepted: the same body posted again is answered alike.
    seller_submission_hash bytea CHECK (octet_length(seller_submission_hash) = 32),
    seller_submitted_at timestamptz,

    -- The validation code sent to the seller (bound to the purchase, like sign-in codes).
    code_hash        bytea CHECK (octet_length(code_hash) = 32),
    code_expires_at  timestamptz,
    code_failed_attempts integer NOT NULL DEFAULT 0 CHECK (code_failed_attempts >= 0),
    code_sends       integer NOT NULL DEFAULT 0 CHECK (code_sends >= 0),
    code_sent_at     timestamptz,

    -- Set together when the purchase is confirmed.
    ptm_code         uuid UNIQUE,
    posting_id       uuid UNIQUE REFERENCES ledger_postings,
    confirmed_at     timestamptz,
    CHECK ((status = 'CONFIRMADA') = (ptm_code IS NOT NULL)
           OR status IN ('REVERSION_PENDIENTE_POR_CONFIRMAR', 'REVERTIDA')),
    CHECK ((ptm_code IS NULL) = (posting_id IS NULL) AND (ptm_code IS NULL) = (confirmed_at IS NULL))
);
-- Transacciones en curso: a buyer's unfinished purchases, newest first.
CREATE INDEX compras_en_curso ON compras (buyer_id, updated_at DESC)
    WHERE status IN ('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR',
                     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR',
                     'REVERSION_PENDIENTE_POR_CONFIRMAR');
-- The expiry sweep of a buyer's list (each step expires only its own purchase, by its key).
CREATE INDEX compras_buyer_expires_at ON compras (buyer_id, expires_at)
    WHERE status IN ('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR',
                     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR');
