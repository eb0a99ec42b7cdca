import type { CheckResult, MatchStats, StageResult } from '../etl/types';
import { sqlLiteral } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { TABLE_KEYS, type CheckDefinition, type CheckRule } from './checks';

export interface RunFacts {
  runId: string;
  staging: { events: StageResult; songs: StageResult };
  matches: MatchStats;
}

const SAMPLE_SIZE = 5;

function keyOf(table: string, alias: string): string {
  return `CAST(${alias}.${TABLE_KEYS[table] ?? 'run_id'} AS VARCHAR)`;
}

/** SQL listing a few failing keys, each row also carrying the total count of failures. */
export function failingRowsSql(rule: Extract<CheckRule, { table: string; column: string }>): string {
  const { table, column } = rule;
  const key = keyOf(table, 't');
  let from: string;
  switch (rule.kind) {
    case 'not_null':
      from = `FROM ${table} t WHERE t.${column} IS NULL`;
      break;
    case 'unique':
      return (
        `SELECT CAST(d.${column} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing ` +
        `FROM (SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL GROUP BY ${column} HAVING COUNT(*) > 1) d ` +
        `ORDER BY 1 LIMIT ${SAMPLE_SIZE}`
      );
    case 'references':
      from =
        `FROM ${table} t LEFT JOIN ${rule.refTable} r ON r.${rule.refColumn} = t.${column} ` +
        `WHERE t.${column} IS NOT NULL AND r.${rule.refColumn} IS NULL`;
      break;
    case 'accepted_values':
      from = `FROM ${table} t WHERE t.${column} IS NULL OR t.${column} NOT IN (${sqlLiteral(rule.values)})`;
      break;
  }
  return `SELECT ${key} AS sample_key, COUNT(*) OVER () AS failing ${from} ORDER BY 1 LIMIT ${SAMPLE_SIZE}`;
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

export async function runCheck(warehouse: Warehouse, check: CheckDefinition, facts: RunFacts): Promise<CheckResult> {
  const rule = check.rule;
  switch (rule.kind) {
    case 'not_null':
    case 'unique':
    case 'references':
    case 'accepted_values': {
      const rows = await warehouse.query(failingRowsSql(rule));
      return result(check, rows.length === 0 ? 0 : Number(rows[0].failing), rows.map((r) => String(r.sample_key)));
    }
    case 'staging_reconciliation': {
      const stage = rule.table === 'staging_events' ? facts.staging.events : facts.staging.songs;
      const rows = await warehouse.query(
        `SELECT COUNT(*) AS n FROM ${rule.table} WHERE run_id = ${sqlLiteral(facts.runId)}`,
      );
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
      return result(check, empty ? 1 : 0, empty ? [`no events in ${facts.staging.events.files} file(s)`] : []);
    }
  }
}

/** One line naming a failed check, how many rows fail it, and a few of their keys. */
export function describeFailure(r: CheckResult): string {
  const samples = r.sampleKeys.length > 0 ? `, e.g. ${r.sampleKeys.join(', ')}` : '';
  return `quality check "${r.name}" failed: ${r.failingCount} failing row(s)${samples}`;
}
