-- One confirmation's ledger work, statement for statement as `app::compras::ssr::confirm` and
-- `app::ledger::ssr::post` send it (docs/BENCHMARK.md, "The ceiling"): lock the purchase, take the
-- closings' shared locks and read the closings, create and lock the two balance rows in lock order
-- (organisation, code, mineral, unit), write the posting, its two movements, their sealer queue
-- rows and the two balances in one statement, update the purchase, queue one balances email.
-- Run by scripts/bench with `pgbench -M prepared -D pairs=<rows of bench_confirmation>`.
\set n random(1, :pairs)
BEGIN;
SELECT c.status FROM compras c JOIN bench_confirmation x ON x.compra_id = c.compra_id
WHERE x.n = :n FOR UPDATE OF c;
SELECT pg_advisory_xact_lock_shared(hashtextextended('cierre/' || o::text, 0))
FROM bench_confirmation x, LATERAL (SELECT DISTINCT u FROM unnest(ARRAY[x.seller_id, x.buyer_id]) u ORDER BY u) AS k(o)
WHERE x.n = :n;
SELECT o.razon_social, max(c.month) FROM organization_closings c
JOIN organizations o ON o.organization_id = c.organization_id
JOIN bench_confirmation x ON c.organization_id IN (x.seller_id, x.buyer_id)
WHERE x.n = :n GROUP BY o.razon_social;
INSERT INTO balances (organization_id, codigo_origen, mineral, unit, quantity)
SELECT k.o, x.codigo_origen, x.mineral, x.unit, 0
FROM bench_confirmation x, LATERAL unnest(ARRAY[x.seller_id, x.buyer_id]) AS k(o)
WHERE x.n = :n ORDER BY k.o
ON CONFLICT DO NOTHING;
SELECT b.quantity FROM balances b
JOIN bench_confirmation x ON (b.codigo_origen, b.mineral, b.unit) = (x.codigo_origen, x.mineral, x.unit)
                          AND b.organization_id IN (x.seller_id, x.buyer_id)
WHERE x.n = :n ORDER BY b.organization_id FOR UPDATE OF b;
WITH x AS (
    SELECT * FROM bench_confirmation WHERE n = :n
), posting AS (
    INSERT INTO ledger_postings (posting_id, kind, reference, operation_date)
    SELECT gen_random_uuid(), 'COMPRA', 'BENCH-' || gen_random_uuid(), current_date
    RETURNING posting_id
), moved AS (
    INSERT INTO movements (movement_id, posting_id, organization_id, codigo_origen, mineral, unit, delta, kind)
    SELECT gen_random_uuid(), posting.posting_id, m.o, x.codigo_origen, x.mineral, x.unit, m.d, m.k
    FROM posting, x, LATERAL (VALUES (x.seller_id, -0.0001, 'COMPRA_SALIDA'),
                                     (x.buyer_id, 0.0001, 'COMPRA_ENTRADA')) AS m(o, d, k)
    RETURNING sequence
), queued AS (
    INSERT INTO movements_unsealed (sequence) SELECT sequence FROM moved
)
UPDATE balances b SET quantity = b.quantity + v.d, updated_at = now()
FROM x, LATERAL (VALUES (x.seller_id, -0.0001), (x.buyer_id, 0.0001)) AS v(o, d)
WHERE (b.organization_id, b.codigo_origen, b.mineral, b.unit) = (v.o, x.codigo_origen, x.mineral, x.unit);
UPDATE compras SET updated_at = now()
WHERE compra_id = (SELECT compra_id FROM bench_confirmation WHERE n = :n);
WITH queued AS (
    INSERT INTO outbox (channel, recipient, body_text, organization_id)
    SELECT 'SALDOS', o.contact_email, 'pgbench', o.organization_id
    FROM organizations o JOIN bench_confirmation x ON o.organization_id = x.buyer_id
    WHERE x.n = :n
    RETURNING outbox_id
)
SELECT pg_notify('outbox', '') FROM queued;
END;
