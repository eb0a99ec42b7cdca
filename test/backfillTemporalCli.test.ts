import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provisionedTemporalCli } from './support/temporalCli';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import type { BackfillResult } from '../src/workflows/backfill';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { expectedTables } from './support/expectations';

/** A backfill started with the plain Temporal CLI, exactly as docs/operations.md shows it. */
let temporal: TestTemporal;
let tmp: string;

beforeAll(async () => {
  temporal = await startTestTemporal();
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-backfill-cli-'));
});

afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Splits a POSIX shell command line (single and double quotes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      current = (current ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? '') + c;
  }
  if (current !== undefined) words.push(current);
  return words;
}

test('`temporal workflow start --type backfill` as docs/operations.md shows it loads the missing dates with the worker\'s defaults', async () => {
  const cli = await provisionedTemporalCli();
  const db = path.join(tmp, 'warehouse.duckdb');
  const docs = fs.readFileSync(path.resolve(__dirname, '../docs/operations.md'), 'utf8');
  const documented = /```sh\n(temporal workflow start[^`]*?--type backfill[^`]*?)\n```/.exec(docs)?.[1];
  expect(documented).toBeDefined();
  const words = shellWords(documented!.replace(/\\\n\s*/g, ' '));
  const input = JSON.parse(words[words.indexOf('--input') + 1]) as { from: string; to: string; onlyMissing: boolean; etl: object };
  expect(input).toMatchObject({ from: '2018-11-01', to: '2018-11-03', onlyMissing: true, etl: {} });

  // The ledger already holds the middle date: --only-missing skips it.
  const first = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${db}` });
  await first.run({ window: { from: '2018-11-02', to: '2018-11-02' } }, 'sparkify-etl-2018-11-02');
  await first.resources.close();

  const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${db}` });
  // The documented command word for word, pointed at this server and this worker's task queue.
  const args = words.slice(1).map((a) => (a === 'sparkify-etl' ? w.taskQueue : a));
  const started = spawnSync(cli.path, [...args, '--address', temporal.server.address], { encoding: 'utf8' });
  expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
  expect(started.stdout).toMatch(/WorkflowId\s+sparkify-backfill-2018-11-01_2018-11-03/);
  const result = await w.during(() => temporal.client.workflow.getHandle<() => Promise<BackfillResult>>('sparkify-backfill-2018-11-01_2018-11-03').result());
  await w.resources.close();
  expect(result).toMatchObject({ from: '2018-11-01', to: '2018-11-03', total: 3, completed: 2, skipped: 1, failed: [] });

  const want = expectedTables(SAMPLE_DIR, { from: '2018-11-01', to: '2018-11-03' });
  const perDay = new Map<string, number>();
  for (const p of want.songplays.values()) perDay.set(p.start_time.slice(0, 10), (perDay.get(p.start_time.slice(0, 10)) ?? 0) + 1);
  const wh = await DuckDbWarehouse.open(db);
  try {
    const rows = await wh.query('SELECT CAST(CAST(start_time AS DATE) AS VARCHAR) AS day, COUNT(*) AS n FROM songplays GROUP BY 1 ORDER BY 1');
    expect(rows.map((r) => ({ day: r.day, n: Number(r.n) }))).toEqual([...perDay.entries()].sort().map(([day, n]) => ({ day, n })));
    const [users] = await wh.query('SELECT COUNT(*) AS n FROM users');
    expect(Number(users.n)).toBe(want.users.size);
    const ledger = await wh.query("SELECT source_key FROM etl_load_ledger WHERE kind = 'events' ORDER BY source_key");
    expect(ledger.map((r) => path.basename(String(r.source_key)))).toEqual(['2018-11-01-events.json', '2018-11-02-events.json', '2018-11-03-events.json']);
  } finally {
    await wh.close();
  }
});
