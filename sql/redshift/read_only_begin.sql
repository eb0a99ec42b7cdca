-- Redshift: opens the read-only transaction a read command's statement runs in (sparkify sql,
-- insights), first in a Data API batch run with ExecutionMode AUTO_COMMIT, so that no transaction
-- of the Data API's own is open around it. Redshift refuses a write in it ("transaction is
-- read-only"); BEGIN's READ ONLY clause: https://docs.aws.amazon.com/redshift/latest/dg/r_BEGIN.html
BEGIN READ ONLY;
