/**
 * SIGTERM (or Ctrl-C) to `npm run bench` stops what it started: the worker it spawned, its dev
 * server and its throwaway PostgreSQL, then exits 143. Without its signal handling the process died
 * at once and left the PostgreSQL cluster and the dev server running. Runs the built bench
 * (npm test builds first) at the smallest size, PostgreSQL only, and signals it once its worker runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { descendants, isAlive } from './support/processes';

const REPO = path.resolve(__dirname, '..');

/** Processes whose command line names `text` (a daemonized postmaster is no descendant). */
function processesNaming(text: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('SIGTERM while the workflow runs: worker, dev server and PostgreSQL are stopped, exit 143', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-bench-signal-'));
  const tmpdir = path.join(tmp, 'tmp');
  fs.mkdirSync(tmpdir);
  // As root the cluster runs as the postgres user, which must reach its data directory under here.
  fs.chmodSync(tmp, 0o755);
  fs.chmodSync(tmpdir, 0o755);
  const started: number[] = [];
  try {
    const bench = spawn(
      process.execPath,
      [path.join(REPO, 'dist/bench/run.js'), '--sizes', '160k', '--engines', 'postgres', '--cache', path.join(tmp, 'data'), '--work', path.join(tmp, 'work'), '--out', path.join(tmp, 'out.json')],
      { cwd: REPO, env: { ...process.env, TMPDIR: tmpdir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => bench.once('exit', (code, signal) => resolve({ code, signal })));
    const workflowRunning = new Promise<void>((resolve, reject) => {
      bench.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/postgres workflow/.test(stderr)) resolve();
      });
      void exited.then(() => reject(new Error(`the bench exited before its workflow ran:\n${stderr}`)));
    });
    await workflowRunning;
    // The worker is spawned next; wait until it is there beside the dev server.
    const deadline = Date.now() + 60_000;
    while (descendants(bench.pid!).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    started.push(...descendants(bench.pid!), ...processesNaming(tmpdir));
    expect(processesNaming(tmpdir).length).toBeGreaterThan(0); // the postmaster, whose data dir is under TMPDIR
    expect(started.length).toBeGreaterThanOrEqual(3);

    bench.kill('SIGTERM');
    expect(await exited).toEqual({ code: 143, signal: null });
    expect(stderr).toMatch(/SIGTERM: stopping/);
    const gone = Date.now() + 15_000;
    while (started.some(isAlive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(started.filter(isAlive)).toEqual([]);
    expect(fs.readdirSync(tmpdir).filter((e) => e.startsWith('sparkify-pg-'))).toEqual([]);
  } finally {
    for (const pid of started.filter(isAlive)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 240_000);
