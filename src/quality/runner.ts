import type { CheckResult, MatchStats, StageResult } from '../etl/types';
import { EVENT_LOG_LAYOUT } from '../source/layout';
import { engineSqlName, engineTraits } from '../warehouse/engineTraits';
import { queryAfterSetup } from '../warehouse/queryInTransaction';
import { sqlStatement, sqlStatements, type SqlParam } from '../warehouse/sql';
import type { Dialect, Row, Warehouse } from '../warehouse/types';
import { runInLanes } from '../util/lanes';
import { TABLE_KEYS, type CheckDefinition, type CheckRule } from './checks';

export interface RunFacts {
  runId: string;
  staging: { events: StageResult; songs: StageResult };
  matches: MatchStats;
}

const SAMPLE_SIZE = 5;

/** Why a run has no event to load: no log listed (its dates keep their plays), or logs without events. */
function noEventsReason(events: StageResult): string {
  if (events.files === 0) {
    return `no event log to load for this run's dates (${EVENT_LOG_LAYOUT}; a skipped file is listed with its reason): their published plays are kept`;
  }
  const rejected = events.recordsRejected > 0 ? `, ${events.recordsRejected} record(s) rejected` : '';
  return `no events in ${events.files} file(s)${rejected}`;
}

type ColumnRule = Extract<CheckRule, { table: string; column: string }>;

/**
 * The statement listing a few failing keys of a column rule, each row also carrying the total
 * count of failures: sql/checks/<kind>.sql with the rule's table and column names.
 */
export function failingRowsSql(rule: ColumnRule, dialect: Dialect): string {
  const params: Record<string, SqlParam> = {
    table: rule.table,
    column: rule.column,
    key: TABLE_KEYS[rule.table] ?? 'run_id',
    samples: SAMPLE_SIZE,
  };
  if (rule.kind === 'references') Object.assign(params, { ref_table: rule.refTable, ref_column: rule.refColumn });
  if (rule.kind === 'accepted_values') params.values = rule.values;
  // An engine's own form where it has one (DuckDB's unique check: sql/checks/duckdb/unique.sql).
  return sqlStatement(engineSqlName(`checks/${rule.kind}`, dialect), dialect, params);
}

/**
 * For a references rule, the statement counting its failing rows alone (sql/checks/references_count.sql):
 * one anti-join. The listing of failing keys runs only when it finds some. On PostgreSQL that
 * listing, planned for failures there usually are none of, sorted every row of the table by key
 * before joining (1.6M events: 1.4 s for `songplays.user_id in users`, against 0.4 s counted).
 */
export function failingCountSql(rule: Extract<CheckRule, { kind: 'references' }>, dialect: Dialect): string {
  return sqlStatement('checks/references_count', dialect, { table: rule.table, column: rule.column, ref_table: rule.refTable, ref_column: rule.refColumn });
}

function result(check: CheckDefinition, failingCount: number, sampleKeys: string[] = []): CheckResult {
  return {
    name: check.name,
    severity: check.severity,
    status: failingCount === 0 ? 'pass' : 'fail',
    failingCount,
    sampleKeys,
    description: check.description,
  };
}

/**
 * Whether the engine itself keeps a unique rule from failing: on PostgreSQL, a valid unique index on
 * the column alone (sql/postgres/unique_index.sql), as every star table's primary key is. Then no
 * two rows can share a value, and the check answers without grouping the whole table (at 8M events,
 * 6.3M song play ids). Anywhere else, or without such an index, the check reads the table.
 */
export async function uniqueEnforcedByIndex(warehouse: Warehouse, rule: Extract<CheckRule, { kind: 'unique' }>, signal?: AbortSignal): Promise<boolean> {
  const indexQuery = engineTraits(warehouse.dialect).uniqueIndexQuery;
  if (indexQuery === null) return false;
  const rows = await warehouse.query(sqlStatement(indexQuery, warehouse.dialect, { table: rule.table, column: rule.column }), { signal });
  return Number(rows[0]?.enforcing ?? 0) > 0;
}

/** The statements a check's statement runs after, in its transaction (PostgreSQL's: sql/postgres/check_settings.sql). */
export function checkSettings(dialect: Dialect): string[] {
  return engineTraits(dialect).checkSettings.flatMap((name) => sqlStatements(name, dialect));
}

/** Runs one check statement, after the engine's check settings where it has any. */
function queryCheck(warehouse: Warehouse, sql: string, signal?: AbortSignal): Promise<Row[]> {
  return queryAfterSetup(warehouse, checkSettings(warehouse.dialect), sql, { signal });
}

/** Runs one check; `signal` (the activity's cancellation) cancels its queries. */
export async function runCheck(warehouse: Warehouse, check: CheckDefinition, facts: RunFacts, signal?: AbortSignal): Promise<CheckResult> {
  const rule = check.rule;
  switch (rule.kind) {
    case 'unique':
    case 'not_null':
    case 'references':
    case 'accepted_values': {
      if (rule.kind === 'unique' && (await uniqueEnforcedByIndex(warehouse, rule, signal))) return result(check, 0);
      if (rule.kind === 'references') {
        const counted = await queryCheck(warehouse, failingCountSql(rule, warehouse.dialect), signal);
        if (Number(counted[0]?.failing ?? 0) === 0) return result(check, 0);
      }
      const rows = await queryCheck(warehouse, failingRowsSql(rule, warehouse.dialect), signal);
      return result(check, rows.length === 0 ? 0 : Number(rows[0].failing), rows.map((r) => String(r.sample_key)));
    }
    case 'staging_reconciliation': {
      const stage = rule.table === 'staging_events' ? facts.staging.events : facts.staging.songs;
      // Without the check settings: a count of the run's staged rows, no hash to keep small, which
      // checkStagedData runs alone before the publish, where parallel workers have the other core.
      const rows = await warehouse.query(sqlStatement('checks/staging_reconciliation', warehouse.dialect, { table: rule.table, run_id: facts.runId }), { signal });
      const staged = Number(rows[0].n);
      const expected = stage.recordsRead - stage.recordsRejected;
      return result(check, Math.abs(staged - expected), staged === expected ? [] : [`staged ${staged}, expected ${expected}`]);
    }
    case 'match_rate': {
      const { plays, repairedMatches, matchRate } = facts.matches;
      const below = plays > 0 && matchRate < rule.min;
      return result(check, below ? plays - repairedMatches : 0, below ? [`${repairedMatches}/${plays} plays matched`] : []);
    }
    case 'run_has_events': {
      const empty = facts.staging.events.recordsStaged === 0;
      return result(check, empty ? 1 : 0, empty ? [noEventsReason(facts.staging.events)] : []);
    }
    case 'pages_like_next_song': {
      const rows = await queryCheck(warehouse, sqlStatement('checks/pages_like_next_song', warehouse.dialect, { run_id: facts.runId, samples: SAMPLE_SIZE }), signal);
      return result(check, rows.length === 0 ? 0 : Number(rows[0].failing), rows.map((r) => String(r.sample_key)));
    }
  }
}

/**
 * Checks run at once on one warehouse: two on PostgreSQL, whose pool gives each its own session, so
 * one check's single-process parts (a final sort, a hash build, a small table's scan) run beside
 * another's; one elsewhere (DuckDB runs a statement on all its threads; Redshift's queue decides).
 */
export function checkLanes(warehouse: Warehouse): number {
  return engineTraits(warehouse.dialect).checkLanes;
}

/**
 * The kinds of check that read the most rows, started before the others: a references check (every
 * play, and the table it names) and pages_like_next_song (the run's staged events). Each runs in
 * one backend on PostgreSQL (sql/postgres/check_settings.sql); started last, as declared, the
 * staged events' scan ran alone on one core at the end of the step while the other had nothing left.
 */
const STARTED_FIRST: ReadonlyArray<CheckRule['kind']> = ['references', 'pages_like_next_song'];

/** The order `runChecks` starts `checks` in: STARTED_FIRST's kinds first, otherwise as given. */
export function startOrder(checks: readonly CheckDefinition[]): CheckDefinition[] {
  const rank = (check: CheckDefinition) => (STARTED_FIRST.includes(check.rule.kind) ? 0 : 1);
  return [...checks].sort((a, b) => rank(a) - rank(b));
}

/**
 * Runs `checks`, `checkLanes` at a time (in startOrder), and returns their results in the order of
 * `checks`; a failure stops the checks not yet started (the step fails, and is retried, as a whole).
 * `onResult` hears of each check done: how many are, its name and how long it ran.
 */
export async function runChecks(
  warehouse: Warehouse,
  checks: readonly CheckDefinition[],
  facts: RunFacts,
  onResult: (done: number, check: { name: string; ms: number }) => void = () => {},
  signal?: AbortSignal,
): Promise<CheckResult[]> {
  let done = 0;
  const started = startOrder(checks);
  const results = await runInLanes(started, checkLanes(warehouse), async (check) => {
    const began = performance.now();
    const checked = await runCheck(warehouse, check, facts, signal);
    onResult(++done, { name: check.name, ms: performance.now() - began });
    return checked;
  });
  return checks.map((check) => results[started.indexOf(check)]);
}

/** One line naming a failed check, how many rows fail it, and a few of their keys. */
export function describeFailure(r: CheckResult): string {
  const samples = r.sampleKeys.length > 0 ? `, e.g. ${r.sampleKeys.join(', ')}` : '';
  return `quality check "${r.name}" failed: ${r.failingCount} failing row(s)${samples}`;
}
