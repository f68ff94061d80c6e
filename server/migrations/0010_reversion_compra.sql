-- Reversión Compra: a confirmed purchase is undone (whole or some lines) by a compensating posting
-- that names the posting it reverses; the history is never edited.

ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_kind_check;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_kind_check
    CHECK (kind IN ('SALDO_INICIAL', 'COMPRA', 'COMPRA_SUBSISTENCIA', 'COMPRA_SIN_ORIGEN',
                    'REVERSION_COMPRA'));
-- The posting a reversal compensates. UNIQUE: a posting is reversed at most once, whatever the
-- application does.
ALTER TABLE ledger_postings
    ADD COLUMN reverses_posting_id uuid UNIQUE REFERENCES ledger_postings,
    ADD CONSTRAINT ledger_postings_reversal_names_original
        CHECK ((kind LIKE 'REVERSION_%') = (reverses_posting_id IS NOT NULL));

-- The buyer's request to reverse a confirmed purchase: which lines (0-based, domain's
-- compra_reversal::Reversal) and why. While it waits, the validation code sent to the seller is
-- kept on the purchase's row (code_hash, code_consent_digest: the digest of the reversal's
-- consent); a new request replaces a withdrawn one. Confirmed, it names its posting.
CREATE TABLE compra_reversals (
    compra_id     uuid PRIMARY KEY REFERENCES compras,
    lines         integer[] NOT NULL CHECK (cardinality(lines) >= 1),
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    requested_by  uuid NOT NULL REFERENCES users,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    posting_id    uuid UNIQUE REFERENCES ledger_postings,
    confirmed_at  timestamptz,
    CHECK ((posting_id IS NULL) = (confirmed_at IS NULL))
);
