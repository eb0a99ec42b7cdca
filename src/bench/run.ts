/**
 * Benchmark (issue 9): for each data set size, on DuckDB and PostgreSQL, the full workflow through
 * Temporal against the raw floor for the same work, in one invocation. Prints a table per size and
 * whether each target is met, and writes every figure to a JSON file.
 *
 *   npm run bench -- [--sizes 160k,1.6M,8M] [--engines duckdb,postgres] [--cache DIR] [--work DIR]
 *                    [--out FILE] [--timeout-minutes 20] [--workflow-runs 1] [--skip-nightly] [--keep]
 *
 * Data sets are generated once into --cache (default .sparkify/bench/data) and reused. PostgreSQL
 * is a throwaway cluster started here; Temporal is the embedded dev server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../etl/searchAttributes';
import { addDays } from '../etl/dates';
import type { RunWindow } from '../etl/types';
import { rowEncoderName } from '../staging/nativeRows';
import { startDevServer, type DevServer } from '../temporal/devServer';
import { isStopping, onShutdown } from '../util/shutdown';
import { ensureDataset, logDateRange, sizeByName, SIZES, type Dataset } from './datasets';
import { duckdbFloor, fastestFloor, postgresFloor, type FloorResult } from './floor';
import { createDatabase, dropDatabase, pgBinDir, startThrowawayPostgres, type PgServer } from './postgresServer';
import { fastestWorkflow, formatSizeTable, formatTargets, judgeTargets, type Engine, type EngineResult, type NightlyResult, type SizeResult } from './report';
import { runWorkflow, type WorkflowResult } from './workflow';

interface BenchOptions {
  sizes: string[];
  engines: Engine[];
  cacheDir: string;
  /** Where each size's warehouse files and CSV go (emptied first): per checkout, so two benches sharing a cache don't collide. */
  workDir: string;
  outFile: string;
  timeoutMs: number;
  /** Workflow runs per size and engine, back to back between the floor's two runs. */
  workflowRuns: number;
  /** Leave out the nightly runs (report.ts, NightlyResult): the data set's last day again into the loaded warehouse, and alone. */
  skipNightly: boolean;
  keep: boolean;
}

function options(): BenchOptions {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: SIZES.map((s) => s.name).join(',') },
      engines: { type: 'string', default: 'duckdb,postgres' },
      cache: { type: 'string', default: path.join('.sparkify', 'bench', 'data') },
      work: { type: 'string', default: path.join('.sparkify', 'bench', 'work') },
      out: { type: 'string' },
      'timeout-minutes': { type: 'string', default: '20' },
      'workflow-runs': { type: 'string', default: '1' },
      'skip-nightly': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const engines = values.engines.split(',').map((e) => e.trim());
  for (const e of engines) if (e !== 'duckdb' && e !== 'postgres') throw new Error(`--engines: unknown engine '${e}' (duckdb, postgres)`);
  const sizes = values.sizes.split(',').map((s) => sizeByName(s.trim()).name);
  const timeout = Number(values['timeout-minutes']);
  if (!(timeout > 0)) throw new Error(`--timeout-minutes must be a positive number, got ${values['timeout-minutes']}`);
  const workflowRuns = Number(values['workflow-runs']);
  if (!Number.isInteger(workflowRuns) || workflowRuns < 1) throw new Error(`--workflow-runs must be a whole number ≥ 1, got ${values['workflow-runs']}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    sizes: SIZES.filter((s) => sizes.includes(s.name)).map((s) => s.name),
    engines: engines as Engine[],
    cacheDir: path.resolve(values.cache),
    workDir: path.resolve(values.work),
    outFile: path.resolve(values.out ?? path.join('.sparkify', 'bench', `results-${stamp}.json`)),
    timeoutMs: timeout * 60_000,
    workflowRuns,
    skipNightly: values['skip-nightly'],
    keep: values.keep,
  };
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  let postgres = 'not found';
  try {
    postgres = execFileSync(path.join(pgBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported as not found
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    duckdb: (JSON.parse(fs.readFileSync(require.resolve('@duckdb/node-api/package.json'), 'utf8')) as { version: string }).version,
    loadAverageAtStart: os.loadavg()[0],
    rowEncoder: rowEncoderName(),
  };
}

const message = (err: unknown) => (err as Error).message.split('\n').slice(0, 6).join('\n');

/** The promise's value, or its error (as an Error): one failed floor run does not lose the other. */
async function settle<T>(run: () => Promise<T>): Promise<T | Error> {
  try {
    return await run();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function benchSize(
  dataset: Dataset,
  opts: BenchOptions,
  stack: { client: Client; address: string; pg?: PgServer },
  log: (line: string) => void,
): Promise<SizeResult> {
  const { size } = dataset;
  const workDir = path.join(opts.workDir, size.name);
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  const engines: SizeResult['engines'] = {};
  const csvDir = path.join(workDir, 'csv');
  try {
    // Each engine's floor runs before and after its workflow, and the ratio is taken against the
    // faster run. The DuckDB floor's first run also writes the staged rows as CSV for the PostgreSQL floor.
    const floorFile = path.join(workDir, 'floor.duckdb');
    let csvWritten = false;
    const runFloor = async (engine: Engine, when: string): Promise<FloorResult> => {
      log(`${size.name}: ${engine} floor (${when}) …`);
      if (engine === 'duckdb') {
        try {
          const writeCsv = !csvWritten;
          const floor = await duckdbFloor(dataset.dir, floorFile, writeCsv ? csvDir : undefined);
          csvWritten ||= writeCsv;
          return floor;
        } finally {
          fs.rmSync(floorFile, { force: true });
        }
      }
      if (!csvWritten) throw new Error('no CSV: the DuckDB floor failed');
      const database = await createDatabase(stack.pg!.url, 'bench_floor');
      try {
        return await postgresFloor(database, csvDir);
      } finally {
        await dropDatabase(stack.pg!.url, database);
      }
    };
    const firstDuckdbFloor = await settle(() => runFloor('duckdb', 'before'));
    for (const engine of opts.engines) {
      const result: EngineResult = {};
      engines[engine] = result;
      const floorRuns: Array<FloorResult | Error> = [engine === 'duckdb' ? firstDuckdbFloor : await settle(() => runFloor(engine, 'before'))];
      // The workflow runs back to back between the floor's two runs, each into a fresh warehouse,
      // and the ratio is taken from the fastest, as against the fastest floor.
      const workflowRuns: WorkflowResult[] = [];
      const freshWarehouse = (name: string) => (engine === 'duckdb' ? `duckdb:${path.join(workDir, `${name}.duckdb`)}` : createDatabase(stack.pg!.url, `bench_${name}`));
      // The workflow's DuckDB file or database (GBs at 8M) is not kept beside the next run.
      const removeWarehouse = async (warehouse: string) => {
        if (engine === 'duckdb') fs.rmSync(warehouse.slice('duckdb:'.length), { force: true });
        else await dropDatabase(stack.pg!.url, warehouse);
      };
      const measure = (warehouse: string, label: string, window?: RunWindow) =>
        runWorkflow({
          client: stack.client,
          address: stack.address,
          taskQueue: `sparkify-bench-${size.name}-${engine}-${label}`,
          workflowId: `bench-${size.name}-${engine}-${label}-${Date.now()}`,
          source: dataset.dir,
          warehouse,
          workDir: path.join(workDir, engine),
          timeoutMs: opts.timeoutMs,
          ...(window ? { window } : {}),
        });
      // The last day again into the warehouse the last run loaded, then as a new night after the days
      // before it, then again into one that holds only that day.
      const nightly = async (loaded: WorkflowResult | undefined, warehouse: string): Promise<NightlyResult> => {
        const { first, last: date } = logDateRange(dataset.dir);
        const night: NightlyResult = { date };
        const errors: string[] = [];
        if (loaded) {
          night.loadedTables = loaded.summary.tables;
          log(`${size.name}: ${engine} nightly: ${date} again after the load …`);
          try {
            night.rerun = await measure(warehouse, 'rerun', { from: date, to: date });
          } catch (err) {
            errors.push(`the rerun: ${message(err)}`);
          }
        }
        if (isStopping()) return night;
        // The days before it loaded apart (not measured), then the day: the night a schedule runs.
        if (first < date) {
          log(`${size.name}: ${engine} nightly: ${first} to ${addDays(date, -1)}, then ${date} new …`);
          const before = await freshWarehouse('before');
          try {
            await measure(before, 'days-before', { from: first, to: addDays(date, -1) });
            if (!isStopping()) night.newNight = await measure(before, 'new', { from: date, to: date });
          } catch (err) {
            errors.push(`the new night: ${message(err)}`);
          } finally {
            await removeWarehouse(before);
          }
        }
        if (isStopping()) return night;
        // The day into an empty warehouse first (not measured: it also loads every song file, which
        // the rerun after the load finds in the ledger), then again: the same work on one day of history.
        log(`${size.name}: ${engine} nightly: ${date} alone, twice …`);
        const alone = await freshWarehouse('night');
        try {
          await measure(alone, 'alone-first', { from: date, to: date });
          if (!isStopping()) night.alone = await measure(alone, 'alone', { from: date, to: date });
        } catch (err) {
          errors.push(`the day alone: ${message(err)}`);
        } finally {
          await removeWarehouse(alone);
        }
        if (errors.length > 0) night.error = errors.join('; ');
        return night;
      };
      for (let run = 1; run <= opts.workflowRuns; run++) {
        const warehouse = await freshWarehouse('run');
        log(`${size.name}: ${engine} workflow (run ${run} of ${opts.workflowRuns}) …`);
        let loaded: WorkflowResult | undefined;
        try {
          loaded = await measure(warehouse, String(run));
          workflowRuns.push(loaded);
        } catch (err) {
          result.workflowError ??= `run ${run}: ${message(err)}`;
        }
        // After Ctrl-C or SIGTERM nothing more is measured: the servers are being stopped.
        if (isStopping()) throw new Error(`${size.name}: stopped during the ${engine} workflow`);
        if (run === opts.workflowRuns && !opts.skipNightly) {
          result.nightly = await nightly(loaded, warehouse);
          if (isStopping()) throw new Error(`${size.name}: stopped during the ${engine} nightly runs`);
        }
        await removeWarehouse(warehouse);
      }
      result.workflowRuns = workflowRuns;
      result.workflow = fastestWorkflow(workflowRuns);
      floorRuns.push(await settle(() => runFloor(engine, 'after')));
      result.floorRuns = floorRuns.filter((run): run is FloorResult => !(run instanceof Error));
      result.floor = fastestFloor(result.floorRuns);
      const failed = floorRuns.find((run): run is Error => run instanceof Error);
      if (failed) result.floorError = message(failed);
      if (result.workflow && result.floor) result.ratio = result.workflow.wallSeconds / result.floor.totalSeconds;
    }
  } finally {
    if (!opts.keep) fs.rmSync(workDir, { recursive: true, force: true });
  }
  return { size, dataset: dataset.result, generateSeconds: dataset.generateSeconds, engines };
}

async function main(): Promise<void> {
  const opts = options();
  const log = (line: string) => console.error(`bench: ${line}`);
  const host = machine();
  console.log(`machine: ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, node ${host.node}, ${host.postgres}, duckdb ${host.duckdb}, load average ${Number(host.loadAverageAtStart).toFixed(2)}`);
  console.log(`staging rows written by: ${host.rowEncoder}`);

  const datasets: Dataset[] = [];
  for (const name of opts.sizes) {
    const d = await ensureDataset(opts.cacheDir, sizeByName(name), log);
    log(`${name}: ${d.generateSeconds === null ? 'reused' : `generated in ${d.generateSeconds.toFixed(0)} s`}: ${d.dir}`);
    datasets.push(d);
  }

  let server: DevServer | undefined;
  let pg: PgServer | undefined;
  let connection: Connection | undefined;
  const results: SizeResult[] = [];
  const began = performance.now();
  const stopServers = async (): Promise<void> => {
    await connection?.close().catch(() => undefined);
    await Promise.all([server?.stop(), pg?.stop()].map((p) => p?.catch(() => undefined)));
  };
  // Ctrl-C or SIGTERM stops the worker, the dev server and PostgreSQL before the process exits.
  const forgetOnSignal = onShutdown(stopServers);
  try {
    [server, pg] = await Promise.all([
      startDevServer({ searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } }),
      opts.engines.includes('postgres') ? startThrowawayPostgres() : Promise.resolve(undefined),
    ]);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    for (const dataset of datasets) {
      const result = await benchSize(dataset, opts, { client, address: server.address, pg }, log);
      results.push(result);
      console.log(`\n${formatSizeTable(result, opts.engines)}`);
    }
  } finally {
    forgetOnSignal();
    await stopServers();
  }
  const verdicts = judgeTargets(results, opts.engines);
  const benchSeconds = (performance.now() - began) / 1000;
  console.log(`\n${formatTargets(verdicts)}`);
  console.log(`\nbench: ${benchSeconds.toFixed(0)} s (data sets ready beforehand); results in ${opts.outFile}`);
  fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
  fs.writeFileSync(
    opts.outFile,
    JSON.stringify({ finishedAt: new Date().toISOString(), machine: host, benchSeconds, options: opts, results, targets: verdicts }, null, 2),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // After a signal the run fails because its connections were closed; the signal's handler exits.
    if (isStopping()) return;
    console.error(`bench: ${(err as Error).stack ?? (err as Error).message}`);
    process.exit(1);
  },
);
