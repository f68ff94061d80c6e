-- The ceiling of a confirmation's ledger work (issue 14): what `scripts/pgbench/confirmation.sql`
-- draws from, built from the purchases the bench just confirmed, on Veta's own schema (its
-- constraints, indexes and triggers). One row per confirmed purchase whose seller still holds at
-- least 1 unit of the code it sold: each pgbench transaction moves 0.0001 of it again, from the
-- seller to the buyer, so no balance can reach zero in a run.
DROP TABLE IF EXISTS bench_confirmation;
CREATE TABLE bench_confirmation AS
SELECT row_number() OVER (ORDER BY c.compra_id) AS n, c.compra_id,
       s.organization_id AS seller_id, b.organization_id AS buyer_id,
       s.codigo_origen, s.mineral, s.unit
FROM compras c
JOIN movements s ON s.posting_id = c.posting_id AND s.kind = 'COMPRA_SALIDA'
JOIN movements b ON b.posting_id = c.posting_id AND b.kind = 'COMPRA_ENTRADA'
                AND (b.codigo_origen, b.mineral, b.unit) = (s.codigo_origen, s.mineral, s.unit)
JOIN balances sb ON (sb.organization_id, sb.codigo_origen, sb.mineral, sb.unit)
                  = (s.organization_id, s.codigo_origen, s.mineral, s.unit)
WHERE sb.quantity >= 1;
ALTER TABLE bench_confirmation ADD PRIMARY KEY (n);
ANALYZE bench_confirmation;
SELECT count(*) FROM bench_confirmation;
