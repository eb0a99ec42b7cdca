/**
 * Where a DuckDB run's memory goes, step by step, without Temporal: runs the workflow's activities
 * in this process in the workflow's order (the same steps side by side, or one at a time with
 * --sequential) against a DuckDB file, and prints per step the process's resident memory (start,
 * highest 100 ms sample, end), whether the step raised the process's peak (VmHWM), V8's main heap
 * and what DuckDB's buffer manager says it holds (duckdb_memory()) at that sample. A diagnostic
 * for docs/performance-log.md ("The worker's memory"); `npm run bench` is what measures.
 *
 *   node --max-semi-space-size=16 dist/bench/memoryProbe.js --source DIR --warehouse FILE
 *        [--sequential [--songs-first]] [--stop-after-staging] [--again repairText,loadSongplays]
 *
 * --again reruns the named steps afterwards, one at a time (activities are idempotent), so one
 * step's memory can be seen alone on a warehouse that holds a whole run.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../activities';
import { Resources } from '../activities/resources';
import { silentLogger } from '../log';
import { s3SettingsFromEnv } from '../source/s3Client';
import { sqlStatement } from '../warehouse/sql';
import { ownStatusMiB } from '../util/procStatus';
import type { StageResult } from '../etl/types';

const MIB = 1024 * 1024;

/** This process's VmHWM or VmRSS in MiB; NaN where /proc has none. */
function status(field: 'VmHWM' | 'VmRSS'): number {
  return ownStatusMiB(field) ?? NaN;
}

/**
 * Resident memory by kind of mapping (/proc/self/smaps), in MiB: file-backed (code: libduckdb,
 * node), brk (glibc's main arena), and anonymous mappings by size: V8 takes 256 KiB pages,
 * glibc's thread arenas are 64 MiB reservations, the rest (DuckDB's jemalloc extents, large
 * buffers) in between or above.
 */
function residentByMapping(): string {
  const sums: Record<string, number> = {};
  let kind = '';
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024;
      const name = head[3];
      if (name.startsWith('/')) kind = 'file';
      else if (name === '[heap]') kind = 'brk';
      else if (name !== '') kind = 'other';
      else if (size === 256) kind = 'anon256K';
      else if (size <= 1024) kind = 'anon<=1M';
      else if (size < 64 * 1024) kind = 'anon<64M';
      else if (size === 64 * 1024) kind = 'anon64M';
      else kind = 'anon>64M';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums[kind] = (sums[kind] ?? 0) + Number(rss[1]);
  }
  return Object.entries(sums).map(([k, v]) => `${k}=${Math.round(v / 1024)}`).join(' ');
}

interface Sample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  duckdb: number;
  duckdbTop: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      warehouse: { type: 'string' },
      sequential: { type: 'boolean', default: false },
      again: { type: 'string', default: '' },
      'songs-first': { type: 'boolean', default: false },
      'stop-after-staging': { type: 'boolean', default: false },
    },
  });
  if (!values.source || !values.warehouse) throw new Error('--source DIR and --warehouse FILE are required');
  const resources = new Resources({ log: silentLogger, s3: s3SettingsFromEnv(), defaultSource: values.source, defaultWarehouse: `duckdb:${values.warehouse}` });
  const a = createActivities({ resources, log: silentLogger });
  const warehouse = await resources.warehouse(undefined);
  const ref = { runId: randomUUID(), source: '', warehouse: '' };

  let duckdb = { total: 0, top: '' };
  let probing = false;
  const probeDuckDb = async () => {
    if (probing) return;
    probing = true;
    try {
      const rows = await warehouse.query(sqlStatement('bench/duckdb_memory', 'duckdb'));
      const total = rows.reduce((n, r) => n + Number(r.bytes), 0);
      duckdb = { total: Math.round(total / MIB), top: rows.slice(0, 3).filter((r) => Number(r.bytes) > 0).map((r) => `${String(r.tag)}=${Math.round(Number(r.bytes) / MIB)}`).join(' ') };
    } catch {
      // a probe that fails (closing) is skipped
    } finally {
      probing = false;
    }
  };
  const sample = (): Sample => {
    const m = process.memoryUsage();
    return { rss: Math.round(m.rss / MIB), heapTotal: Math.round(m.heapTotal / MIB), heapUsed: Math.round(m.heapUsed / MIB), duckdb: duckdb.total, duckdbTop: duckdb.top };
  };

  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    const hwmBefore = status('VmHWM');
    const start = sample();
    let peak = start;
    const timer = setInterval(() => {
      void probeDuckDb();
      const now = sample();
      if (now.rss > peak.rss) peak = now;
    }, 100);
    const began = Date.now();
    try {
      return await run();
    } finally {
      clearInterval(timer);
      const end = sample();
      const hwm = status('VmHWM');
      if (process.env.PROBE_SMAPS === '1') console.log(`  at end: ${residentByMapping()}`);
      console.log(
        `${name.padEnd(18)} ${((Date.now() - began) / 1000).toFixed(2).padStart(6)} s  rss ${start.rss} → ${peak.rss} → ${end.rss}  ` +
          `hwm ${hwm}${hwm > hwmBefore ? ' (raised)' : ''}  heap ${peak.heapUsed}/${peak.heapTotal}  duckdb ${peak.duckdb} [${peak.duckdbTop}]`,
      );
    }
  }
  const together = async <T extends unknown[]>(...runs: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> => {
    if (!values.sequential) return (await Promise.all(runs.map((r) => r()))) as T;
    const out: unknown[] = [];
    for (const r of runs) out.push(await r());
    return out as T;
  };

  console.log(`ready: rss ${status('VmRSS')} MiB`);
  await step('createSchema', () => a.createSchema(ref));
  await step('listSourceFiles', () => a.listSourceFiles({ ...ref, window: null }));
  const stageEvents = () => step('stageEvents', () => a.stageEvents({ ...ref, maxRejectRate: 1 }));
  const stageSongs = () => step('stageSongs', () => a.stageSongs({ ...ref, maxRejectRate: 1 }));
  const [events, songs] = values['songs-first'] ? ((await together(stageSongs, stageEvents)).reverse() as [StageResult, StageResult]) : await together(stageEvents, stageSongs);
  const staging = { events, songs };
  if (values['stop-after-staging']) {
    console.log(`peak (VmHWM): ${status('VmHWM')} MiB`);
    await resources.close();
    return;
  }
  const stagedChecks = await step('checkStagedData', () => a.checkStagedData({ ...ref, staging, failOnEmpty: false }));
  await step('repairText', () => a.repairText(ref));
  const [matches] = await together(
    async () => {
      await step('loadSongs', () => a.loadSongs(ref));
      return step('loadSongplays', () => a.loadSongplays({ ...ref, durationTolerance: 2 }));
    },
    () => step('loadArtists', () => a.loadArtists(ref)),
    () => step('loadUsers', () => a.loadUsers(ref)),
    () => step('loadTime', () => a.loadTime(ref)),
  );
  const levelChanges = await step('queryLevelChanges', () => a.queryLevelChanges({ ...ref, window: null }));
  await step('runQualityChecks', () => a.runQualityChecks({ ...ref, staging, matches, matchRateWarnBelow: 0, failOnEmpty: false, extraChecks: [], stagedChecks }));
  await step('writeReport', () => a.writeReport({ ...ref, workflowId: `probe-${ref.runId}`, window: null, reportTo: fs.mkdtempSync('/tmp/probe-report-'), levelChanges }));
  const again: Record<string, () => Promise<unknown>> = {
    repairText: () => a.repairText(ref),
    loadSongs: () => a.loadSongs(ref),
    loadArtists: () => a.loadArtists(ref),
    loadUsers: () => a.loadUsers(ref),
    loadTime: () => a.loadTime(ref),
    loadSongplays: () => a.loadSongplays({ ...ref, durationTolerance: 2 }),
    runQualityChecks: () => a.runQualityChecks({ ...ref, staging, matches, matchRateWarnBelow: 0, failOnEmpty: false, extraChecks: [], stagedChecks }),
  };
  for (const name of values.again.split(',').filter((s) => s !== '')) {
    if (!again[name]) throw new Error(`--again: no step '${name}' (${Object.keys(again).join(', ')})`);
    await step(`${name} (again)`, again[name]);
  }
  console.log(`peak (VmHWM): ${status('VmHWM')} MiB`);
  await resources.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
