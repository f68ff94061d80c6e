-- "Transacciones en curso" also lists what ended without confirmation in the last days (issue 14):
-- with this index the buyer's list reads its unfinished purchases (compras_en_curso) and its
-- recently ended ones by their time, instead of every purchase the buyer ever made — 43 ms at the
-- median with 100 000 confirmed purchases, against 1.5 ms with 1 000 (the bench's BENCH_PRELOAD).
-- The statuses are `app::compras::ssr::ENDED` (a test keeps that list equal to domain's).
CREATE INDEX compras_recently_ended ON compras (buyer_id, updated_at)
    WHERE status IN ('ANULADA', 'RECHAZADA_POR_VENDEDOR', 'VENCIDA');
