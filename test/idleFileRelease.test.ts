import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * A worker lets go of its DuckDB files once it is idle, and the read commands wait for a file a
 * worker has just used: `sparkify dev` held every file it had written until it exited, so
 * `sparkify sql` on it after a run through dev failed with DuckDB's lock message.
 */
const execFileAsync = promisify(execFile);
let temporal: TestTemporal;
let tmp: string;

beforeAll(async () => {
  temporal = await startTestTemporal();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-idle-release-'));
});
afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `sparkify ARGS` in a child process, not blocking this one (where the worker runs). */
async function sparkify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: tmp, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

test('sparkify sql reads a DuckDB file right after a run on a worker that stays up', async () => {
  const file = path.join(tmp, 'dev.duckdb');
  const worker = await temporal.worker({ warehouse: `duckdb:${file}`, source: SAMPLE_DIR });
  await worker.during(async () => {
    const summary = await (await worker.start({ window: { from: '2018-11-05', to: '2018-11-05' } })).result();
    // At once, as `sparkify run … && sparkify sql …` does, with the worker still polling.
    const read = await sparkify(['sql', '--warehouse', `duckdb:${file}`, '--json', 'SELECT COUNT(*) AS plays FROM songplays']);
    expect({ code: read.code, stderr: read.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(read.stdout)).toEqual([{ plays: summary.tables.songplays }]);

    // The worker opens the file again for its next run.
    const again = await (await worker.start({ window: { from: '2018-11-05', to: '2018-11-05' } })).result();
    expect(again.tables.songplays).toBe(summary.tables.songplays);
  });
});
