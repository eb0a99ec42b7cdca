/**
 * Benchmark: generates a seeded data set of a given size, runs the whole pipeline on it through
 * the embedded Temporal dev server, and prints figures (throughput and time per step).
 *
 *   npm run bench -- [--days 30] [--users 1000] [--songs 2000] [--warehouse duckdb:PATH|postgres://…]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runEtl } from '../cli/runEtl';
import { generateDataset } from '../generate';
import { silentLogger } from '../log';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      days: { type: 'string', default: '30' },
      users: { type: 'string', default: '1000' },
      songs: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '7' },
      warehouse: { type: 'string' },
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-bench-'));
  try {
    const genStart = performance.now();
    const data = await generateDataset({
      outDir: path.join(dir, 'data'),
      days: Number(values.days),
      users: Number(values.users),
      songs: Number(values.songs),
      seed: Number(values.seed),
    });
    const genSeconds = (performance.now() - genStart) / 1000;
    const warehouse = values.warehouse ?? `duckdb:${path.join(dir, 'bench.duckdb')}`;
    const start = performance.now();
    const summary = await runEtl({
      source: path.join(dir, 'data'),
      warehouse,
      window: null,
      namespace: 'default',
      taskQueue: 'sparkify-bench',
      s3: {},
      log: silentLogger,
    });
    const seconds = (performance.now() - start) / 1000;
    const mb = data.bytes / 1e6;
    const line = (label: string, value: string) => console.log(`${label.padEnd(28)}${value}`);
    line('data set', `${data.events} events (${data.nextSongEvents} plays), ${data.songFiles} song files, ${mb.toFixed(1)} MB`);
    line('generate', `${genSeconds.toFixed(2)} s (${(data.events / genSeconds).toFixed(0)} events/s)`);
    line('warehouse', summary.warehouse);
    line('pipeline, end to end', `${seconds.toFixed(2)} s incl. dev server start and workflow bundling`);
    line('workflow', `${(summary.durationMs / 1000).toFixed(2)} s (${(data.events / (summary.durationMs / 1000)).toFixed(0)} events/s, ${(mb / (summary.durationMs / 1000)).toFixed(1)} MB/s)`);
    for (const [step, p] of Object.entries(summary.steps)) {
      if (p.durationMs !== undefined) line(`  ${step}`, `${(p.durationMs / 1000).toFixed(2)} s`);
    }
    line('song matches', `${summary.matches.repairedMatches}/${summary.matches.plays} repaired, ${summary.matches.strictMatches} strict`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(1);
  },
);
