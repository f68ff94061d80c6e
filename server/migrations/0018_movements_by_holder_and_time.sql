-- A holder's movements since a moment (issue 14): the production cross-check sums what a title
-- holder sold in a month at every one of its purchases. Without this index it read either every
-- posting of the month (all holders) or the holder's whole history; with it, the holder's movements
-- since the month began. A movement is recorded on or after its operation date (no date is in the
-- future), so `created_at >= the month's first instant` keeps every movement of the month.
CREATE INDEX movements_holder_created_at ON movements (organization_id, created_at);
