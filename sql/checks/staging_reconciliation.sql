-- Quality check staging_reconciliation: the rows the run left in a staging table; the check
-- compares them with the records read minus the records rejected.
SELECT COUNT(*) AS n FROM {{ident:table}} WHERE run_id = {{run_id}};
