import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../src/generate';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * A DuckDB warehouse whose disk has no room: the run fails at the step that meets it, at once,
 * naming the warehouse and saying to free space and run again (it used to be retried for minutes,
 * silently). The file size limit (`ulimit -f`, EFBIG) stands in for a full disk: DuckDB and the
 * worker meet it the same way, and it needs no mount.
 */
const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
delete env.TEMPORAL_ADDRESS;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-disk-full-'));
  await generateDataset({ outDir: path.join(tmp, 'data'), days: 3, users: 50, songs: 1000, seed: 7, startDate: '2018-11-01' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a run on a DuckDB file that cannot grow fails at once, naming the warehouse and what to do', () => {
  const file = path.join(tmp, 'w.duckdb');
  // 128 KiB: enough for the schema, not for the staged rows (the step that meets it is the
  // staging of events or songs, in DuckDB's own write or a part file it loads).
  const run = spawnSync(
    'bash',
    ['-c', 'ulimit -f 128 && exec "$@"', 'bash', process.execPath, BIN, 'run', '--source', path.join(tmp, 'data'), '--warehouse', `duckdb:${file}`],
    { cwd: tmp, env, encoding: 'utf8', timeout: 170_000 },
  );
  expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toMatchObject({ status: 1, signal: null });
  // At once: no attempt was retried (the embedded run says when one is).
  expect(run.stderr).not.toMatch(/being retried/);
  expect(run.stderr).toMatch(new RegExp(`failed at step \\w+: warehouse duckdb:${file}: .*(File too large|EFBIG: file too large, write): .*free space there .* and run again: runs are idempotent`));
});

/**
 * A part file DuckDB stages from, written up to the file size limit: the write that reaches it
 * writes only part of its bytes, and the part used to be loaded cut there (a CSV error blaming the
 * data, or rows silently missing). In a child process, as the limit is the process's.
 */
test('a staging part file that cannot be written whole is not loaded: the step fails for the room', () => {
  const script = `
    const { DuckDbWarehouse } = require(${JSON.stringify(path.resolve(__dirname, '../dist/warehouse/duckdb'))});
    (async () => {
      const warehouse = await DuckDbWarehouse.open(process.argv[1]);
      await warehouse.execute('CREATE TABLE t (a VARCHAR, b VARCHAR)');
      warehouse.copyPartBytes = 1;
      // One chunk of 4,000 rows (about 200 KiB): past the 64 KiB limit in one write.
      const rows = Buffer.from(Array.from({ length: 4000 }, (_, i) => 'row-' + i + '-' + 'x'.repeat(40) + '\\t' + i + '\\n').join(''));
      let outcome;
      try {
        await warehouse.stageCopySegments([{ table: 't', columns: ['a', 'b'], data: [rows] }], { before: [], after: [] });
        outcome = { loaded: Number((await warehouse.query('SELECT COUNT(*) AS n FROM t'))[0].n) };
      } catch (err) {
        outcome = { name: err.name, message: err.message };
      }
      await warehouse.close();
      console.log(JSON.stringify(outcome));
    })();
  `;
  const file = path.join(tmp, 'parts.duckdb');
  const child = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$@"', 'bash', process.execPath, '-e', script, file], { env, encoding: 'utf8', timeout: 60_000 });
  expect({ status: child.status, stderr: child.stderr }).toMatchObject({ status: 0 });
  const outcome = JSON.parse(child.stdout.trim().split('\n').pop()!);
  expect(outcome).toMatchObject({ name: 'StorageError' });
  expect(outcome.message).toMatch(new RegExp(`^warehouse duckdb:${file}: EFBIG: file too large, write: .*run again`));
});
