/**
 * The warehouse's versions (src/etl/versions.ts), as `sparkify doctor` reports them: its schema
 * version (a problem when a newer release built it) and the rules version of the files it loaded
 * (a warning, with the command that fixes it, when older rules loaded some).
 */
import { RULES_VERSION, SCHEMA_VERSION } from '../etl/versions';
import { hasLedger } from '../ledger/loaded';
import { newerWarehouseProblem, recordedSchemaVersion } from '../ledger/warehouseVersions';
import { eventLogDate } from '../source/layout';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { ok, problem, warning, type CheckResult } from './types';

interface LoadedFiles {
  kind: string;
  rulesVersion: number;
  files: number;
  firstKey: string;
  lastKey: string;
}

/** What a warehouse's versions say; `name` is how the report names it (secrets redacted). */
export async function checkWarehouseVersions(warehouse: Warehouse, name: string): Promise<CheckResult[]> {
  if (!(await hasLedger(warehouse))) return [ok('warehouse.versions', 'warehouse versions', `${name} has no tables yet: the first run creates them at schema version ${SCHEMA_VERSION}`)];
  const schema = await recordedSchemaVersion(warehouse);
  const newer = newerWarehouseProblem(schema, name);
  const results: CheckResult[] = [
    newer
      ? problem('warehouse.schemaVersion', 'warehouse schema version', newer.replace(/ Nothing was written\. .*$/, ''), 'upgrade this worker and CLI (and every worker on the task queue) to the release that built the warehouse')
      : ok(
          'warehouse.schemaVersion',
          'warehouse schema version',
          schema === SCHEMA_VERSION ? `${schema}, this release's` : `${schema}, older than this release's ${SCHEMA_VERSION}: the next run upgrades it in place`,
        ),
  ];
  results.push(rulesCheck(await loadedFiles(warehouse)));
  return results;
}

async function loadedFiles(warehouse: Warehouse): Promise<LoadedFiles[]> {
  let rows;
  try {
    rows = await warehouse.query(sqlStatement('doctor/rules_versions', warehouse.dialect));
  } catch {
    // No etl_run_rules: no run of a release that records rules versions has upgraded the warehouse.
    rows = await warehouse.query(sqlStatement('doctor/ledger_files', warehouse.dialect));
  }
  return rows.map((r) => ({ kind: String(r.kind), rulesVersion: Number(r.rules_version), files: Number(r.files), firstKey: String(r.first_key), lastKey: String(r.last_key) }));
}

function rulesCheck(loaded: LoadedFiles[]): CheckResult {
  const title = 'rules of the loaded files';
  const total = loaded.reduce((n, l) => n + l.files, 0);
  const older = loaded.filter((l) => l.rulesVersion < RULES_VERSION);
  if (older.length === 0) return ok('warehouse.rulesVersion', title, `${total} file(s), all loaded under this release's rules (version ${RULES_VERSION})`);
  const count = (kind: string) => older.filter((l) => l.kind === kind).reduce((n, l) => n + l.files, 0);
  const versions = [...new Set(older.map((l) => l.rulesVersion))].sort((a, b) => a - b).join(', ');
  const detail = `${count('songs')} song file(s) and ${count('events')} event log(s) of ${total} loaded under older rules (version ${versions}; this release's is ${RULES_VERSION})`;
  const fixes = [];
  if (count('songs') > 0) fixes.push('the next run stages the song files again');
  const events = older.filter((l) => l.kind === 'events');
  if (events.length > 0) {
    const dates = events.flatMap((l) => [eventLogDate(l.firstKey), eventLogDate(l.lastKey)]).filter((d): d is string => d !== undefined).sort();
    const range = dates.length > 0 ? `--from ${dates[0]} --to ${dates[dates.length - 1]}` : '--from FIRST --to LAST';
    fixes.push(`re-run the event logs' dates with \`sparkify backfill ${range} --only-stale\` (see them first with --dry-run)`);
  }
  return warning('warehouse.rulesVersion', title, detail, fixes.join('; '));
}
