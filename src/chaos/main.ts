import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { RunWindow } from '../etl/types';
import { attemptsOverlap, cleanRun, postgresRestarted, s3Failing, temporalRestarted, workerKilled, type ChaosContext, type FaultReport } from './faults';
import { startChaosPostgres } from './postgres';
import { startChaosS3, uploadDirectory } from './s3';
import { seededRandom, startS3FaultProxy } from './s3FaultProxy';
import { seconds, startChaosTemporal } from './stack';

/**
 * The fault suite: `npm run chaos [-- --size ci|full] [--seed N]`. Runs the ETL on the sample
 * data against a real Temporal dev server, PostgreSQL, s3rver and worker processes while
 * injecting faults, and prints one line per fault kind. Exits 1 when any fault was not survived.
 */
interface Size {
  killLanes: number;
  killsPerLane: number;
  pgRestarts: number;
  s3Faults: number;
  temporalRestarts: number;
  overlaps: number;
  window: RunWindow;
}

const SIZES: Record<string, Size> = {
  // What CI affords (a few minutes): fewer kills, every kind still injected.
  ci: { killLanes: 2, killsPerLane: 4, pgRestarts: 5, s3Faults: 20, temporalRestarts: 1, overlaps: 2, window: { from: '2018-11-05', to: '2018-11-06' } },
  // The acceptance size: 20+ kills over several runs.
  full: { killLanes: 4, killsPerLane: 6, pgRestarts: 5, s3Faults: 40, temporalRestarts: 3, overlaps: 4, window: { from: '2018-11-05', to: '2018-11-07' } },
};

const SAMPLE_DIR = path.resolve(__dirname, '../../../shared/data/udacity-sample');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function line(r: FaultReport): string {
  const max = r.resumeMs.length > 0 ? seconds(Math.max(...r.resumeMs)) : 'n/a';
  return `${r.kind.padEnd(20)} injected ${r.injected}, survived ${r.survived}, max resume time ${max}`;
}

async function main(): Promise<number> {
  const sizeName = flag('size', 'full');
  const size = SIZES[sizeName];
  if (!size) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}; got ${sizeName}`);
  const seed = Number(flag('seed', String(Date.now() % 100000)));
  const source = flag('source', SAMPLE_DIR);
  if (!fs.existsSync(source)) throw new Error(`no sample data at ${source} (give --source DIR)`);
  const log = (text: string) => process.stderr.write(`${text}\n`);
  log(`chaos: size ${sizeName}, seed ${seed}, window ${size.window.from} … ${size.window.to}, source ${source}`);

  // Ctrl-C or a CI timeout: exit through 'exit', where the servers' clean-up hooks run.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-chaos-'));
  const started = Date.now();
  const [temporal, pg, s3] = await Promise.all([startChaosTemporal(path.join(tmp, 'temporal.db')), startChaosPostgres(), startChaosS3()]);
  const proxy = await startS3FaultProxy(s3.endpoint, seed);
  const reports: FaultReport[] = [];
  try {
    await uploadDirectory(s3, source, 'sparkify-chaos');
    const clean = await cleanRun(temporal, pg, source, size.window);
    log(`clean run: ${(clean.ms / 1000).toFixed(1)} s; ${Object.entries(clean.fingerprint).map(([t, f]) => `${t} ${f}`).join('; ')}`);
    const logDir = path.join(tmp, 'workers');
    fs.mkdirSync(logDir);
    const ctx: ChaosContext = { temporal, pg, source, window: size.window, want: clean.fingerprint, random: seededRandom(seed), log, logDir };
    const only = flag('only', '');

    const phases: [string, () => Promise<FaultReport>][] = [
      ['worker killed', () => workerKilled(ctx, size.killLanes, size.killsPerLane)],
      ['postgres restarted', () => postgresRestarted(ctx, size.pgRestarts)],
      ['s3 failing', () => s3Failing(ctx, proxy, 's3://sparkify-chaos/', size.s3Faults)],
      ['attempts overlap', () => attemptsOverlap(ctx, size.overlaps)],
      ['temporal restarted', () => temporalRestarted(ctx, size.temporalRestarts)],
    ];
    for (const [name, phase] of phases) {
      if (only && !only.split(',').includes(name.split(' ')[0])) continue;
      log(`${name} …`);
      const report = await phase().catch((err: unknown): FaultReport => ({ kind: name, injected: 1, survived: 0, resumeMs: [], notes: [`aborted: ${(err as Error).stack ?? err}`] }));
      reports.push(report);
      for (const note of report.notes) log(`  ${note}`);
      log(line(report));
    }
  } finally {
    await proxy.stop();
    await Promise.allSettled([temporal.stop(), pg.stop(), s3.stop()]);
    const failed = reports.some((r) => r.survived < r.injected);
    if (failed && process.env.CI !== 'true') log(`worker logs kept in ${path.join(tmp, 'workers')}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`chaos (size ${sizeName}, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s):\n`);
  for (const r of reports) process.stdout.write(`${line(r)}\n`);
  return reports.every((r) => r.injected > 0 && r.survived === r.injected) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
