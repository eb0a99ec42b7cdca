import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../src/generate';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * The embedded `sparkify run` says on stderr when a step is being retried, with its error: the
 * SDK's warnings are off there, and a step retried for minutes (a DuckDB file another process
 * holds, a server restarting) was silent until the run ended.
 */
const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
delete env.TEMPORAL_ADDRESS;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-retry-notice-'));
  await generateDataset({ outDir: path.join(tmp, 'data'), days: 1, users: 5, songs: 10, seed: 3, startDate: '2018-11-01' });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Resolves with the output once it matches `pattern`; rejects if the process ends first. */
function outputMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) resolve(seen);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}:\n${seen}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

test('a step retried while another process holds the DuckDB file is told, and the run goes on once it is free', async () => {
  const file = path.join(tmp, 'held.duckdb');
  // Holds the file (DuckDB has one writer per file) until its stdin closes.
  const holder = spawn(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.resolve(__dirname, '../dist/warehouse/duckdb'))}).DuckDbWarehouse.open(process.argv[1]).then((w) => { console.log('holding'); process.stdin.on('end', () => w.close().then(() => process.exit(0))); process.stdin.resume(); })`, file],
    { env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const run = spawn(process.execPath, [BIN, 'run', '--source', path.join(tmp, 'data'), '--warehouse', `duckdb:${file}`], { cwd: tmp, env });
  try {
    await outputMatching(holder, /holding/);
    const told = await outputMatching(run, /step \w+ failed and is being retried/);
    expect(told).toMatch(new RegExp(`sparkify: step createSchema failed and is being retried \\(the run goes on; Ctrl-C stops it\\): duckdb:${file} is open in another process`));
    holder.stdin!.end();
    expect(await exited(holder)).toBe(0);
    expect(await exited(run)).toBe(0);
  } finally {
    holder.kill();
    run.kill();
  }
});
