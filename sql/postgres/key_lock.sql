-- key_lock (PostgreSQL): a transaction lock on a text key ({{key}}); transactions taking the same
-- key queue until the holder ends. The attempt fence's claims take one per run and step
-- (src/activities/fence.ts), so two attempts claiming at once cannot both insert a claim.
SELECT pg_advisory_xact_lock(hashtext({{key}}));
