import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * The CLI's output through a pipe (`sparkify sql --json … | jq`, `insights … | tee`): Node writes
 * to a pipe asynchronously, and the command exited as soon as it was done, dropping what was still
 * queued. A reader slower than the command got the first 64 KiB, and the exit status was 0.
 */
const ROWS = 20_000;
let dir: string;
let warehouse: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-piped-'));
  warehouse = `duckdb:${path.join(dir, 'wh.duckdb')}`;
  const db = await DuckDbWarehouse.open(path.join(dir, 'wh.duckdb'));
  try {
    await db.execute(`CREATE TABLE wide AS SELECT range AS n, repeat('x', 100) AS pad FROM range(${ROWS})`);
  } finally {
    await db.close();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `sparkify sql --json`, reading its stdout only after `readAfterMs`, or closing it after the first chunk. */
function sqlThroughPipe(readAfterMs: number, closeEarly = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'sql', '--json', '--warehouse', warehouse, 'SELECT n, pad FROM wide ORDER BY n'], {
    cwd: dir,
    env: { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.pause();
  setTimeout(() => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (closeEarly) child.stdout.destroy();
    });
    child.stdout.resume();
  }, readAfterMs);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('a reader slower than the command still gets every row, and the status is 0', async () => {
  const { code, stdout, stderr } = await sqlThroughPipe(1500);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const rows = JSON.parse(stdout) as { n: number }[];
  expect(rows).toHaveLength(ROWS);
  expect(rows[ROWS - 1].n).toBe(ROWS - 1);
}, 60_000);

test('a reader that closes the pipe early (| head) ends the command quietly', async () => {
  const { stdout, stderr } = await sqlThroughPipe(0, true);
  expect(stdout.length).toBeGreaterThan(0);
  expect(stderr).not.toMatch(/EPIPE|Error/);
}, 60_000);
