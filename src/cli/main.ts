import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  DEFAULT_DUCKDB_PATH,
  parseDate,
  parseWarehouseUri,
  readEnv,
  redactUri,
  type EnvSettings,
} from '../config';
import { RUN_DEFAULTS } from '../defaults';
import type { RunWindow } from '../etl/types';
import { generateDataset } from '../generate';
import { requireEmptyOutDir } from '../generate/outDir';
import { buildInsights, DEFAULT_REPORT_DIR, defaultReportDir, INSIGHT_FORMATS, renderReport, resolveReportDestination, type InsightFormat } from '../insights';
import { createLogger, type Logger } from '../log';
import { s3SettingsFromEnv } from '../source/s3Client';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../etl/searchAttributes';
import { addNotifyOptions, notifyFromFlags, notifyUrlEnv } from '../notify/flags';
import { parseMetricsEndpoint } from '../metrics/exporter';
import { addConnectionOptions, requireServer } from '../temporal/connection';
import { registerBackfillCommand } from './backfill';
import { integerOption as intOption, print } from './common';
import { checkLocations, connectionFlagsOf, settingName, settingNamesOf } from './settingNames';
import { failFastOnStartChecks, registerDoctorCommand } from './doctor';
import { registerInfraCommands } from './infra';
import { formatSummary, textTable } from './format';
import { RunFailedError, runEtl } from './runEtl';
import { registerRunsCommands } from './runs';
import { registerScheduleCommands } from './schedule';
import { runCleanups, onShutdown, exitCodeAfter, isStopping } from '../util/shutdown';
import { openStack } from './temporalStack';
import { PortInUseError } from '../temporal/devServer';
import { flushed, ignoreClosedReader } from './flushOutput';
import { openWarehouseToRead, requireInsightsTables } from './readWarehouse';
import { querySingleStatement } from '../warehouse/singleStatement';
import { oldNodeWarning } from '../util/nodeVersion';

const LOCAL_DIR = '.sparkify';

function rateOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a share between 0 and 1, e.g. 0.01');
  return n;
}

interface WindowFlags {
  all?: boolean;
  date?: string;
  from?: string;
  to?: string;
}

/** --all | --date D | --from D --to D, one of them; no flag means every file. */
export function windowFromFlags(flags: WindowFlags): RunWindow | null {
  const given = [flags.all, flags.date, flags.from ?? flags.to].filter((v) => v !== undefined).length;
  if (given > 1) throw new ConfigError('--all, --date and --from/--to: give only one of them');
  if (flags.date) {
    const date = parseDate(flags.date, '--date');
    return { from: date, to: date };
  }
  if (flags.from || flags.to) {
    if (!flags.from || !flags.to) throw new ConfigError('--from and --to go together: give both dates');
    const from = parseDate(flags.from, '--from');
    const to = parseDate(flags.to, '--to');
    if (from > to) throw new ConfigError(`--from ${from} is after --to ${to}`);
    return { from, to };
  }
  return null;
}

function required(value: string | undefined, flag: string, envName: string): string {
  if (!value) throw new ConfigError(`${flag} is required (or set ${envName})`);
  return value;
}


interface Context {
  env: EnvSettings;
  log: Logger;
}

/** The program for one call of main(); `setExitCode` is for commands whose success has a code of its own (doctor). */
function buildProgram(ctx: () => Context, setExitCode: (code: number) => void): Command {
  const program = new Command('sparkify')
    .description("Sparkify's data warehouse pipeline on Temporal: raw JSON logs to a star schema.")
    .exitOverride();

  const metricsPortOption = () =>
    new Option('--metrics-port <[host:]port>', "serve Prometheus metrics (the SDK's and the pipeline's) at GET /metrics").env('SPARKIFY_METRICS_PORT');
  const reportDirOption = () =>
    new Option('--report-dir <dir|s3://bucket/prefix>', `where reports go for runs that name no place (--report-to) and have no DuckDB file (default ${DEFAULT_REPORT_DIR} in the working directory)`).env(
      'SPARKIFY_REPORT_DIR',
    );
  const reportDirOf = (flags: { reportDir?: string }, command: Command) =>
    flags.reportDir === undefined ? undefined : resolveReportDestination(flags.reportDir, settingName(command, 'reportDir'));
  /**
   * The report directories the worker's runs will write, to check as it starts: a run would meet an
   * unwritable one only at its last step. Runs on its default DuckDB file report beside it; runs on
   * any other warehouse into its report directory, checked then only when set (--report-dir or
   * SPARKIFY_REPORT_DIR): a DuckDB worker may never use .sparkify/reports in its working directory.
   */
  const workerReportDirs = (warehouse: string | undefined, reportDir: string | undefined, command: Command) => {
    const own = { dir: reportDir ?? DEFAULT_REPORT_DIR, fix: `give the worker a directory its user can write to with --report-dir or SPARKIFY_REPORT_DIR (or s3://bucket/prefix), or fix the permissions` };
    const config = warehouse === undefined ? undefined : parseWarehouseUri(warehouse, settingName(command, 'warehouse'));
    const beside = config === undefined ? own.dir : defaultReportDir(config, own.dir);
    if (beside === own.dir) return [own];
    const duckDb = { dir: beside, fix: `runs on the worker's DuckDB warehouse write their reports beside its file: let the worker's user write ${path.resolve(beside)}, or give ${settingName(command, 'warehouse')} a DuckDB path in a directory it can write` };
    return reportDir === undefined ? [duckDb] : [duckDb, own];
  };
  const temporalOption = () =>
    new Option('--temporal <host:port>', 'Temporal server (default: an embedded dev server for this command)').env('TEMPORAL_ADDRESS');

  addConnectionOptions(addNotifyOptions(program.command('run')))
    .description('Run the ETL workflow for a window and wait for it')
    .addOption(new Option('--source <dir|s3://bucket/prefix>', 'where the raw data is').env('SPARKIFY_SOURCE'))
    .addOption(new Option('--warehouse <uri>', 'duckdb:PATH | postgres://… | redshift-data://…').env('SPARKIFY_WAREHOUSE'))
    .option('--all', 'every log file in the source (the default)')
    .option('--date <YYYY-MM-DD>', 'one day')
    .option('--from <YYYY-MM-DD>', 'first day of a range')
    .option('--to <YYYY-MM-DD>', 'last day of a range (inclusive)')
    .addOption(temporalOption())
    .option('--max-reject-rate <share>', 'fail when more than this share of records is rejected', rateOption, RUN_DEFAULTS.maxRejectRate)
    .option('--json', 'print the run summary as one JSON object on the last line')
    .option('--fail-on-empty', 'fail when the window has no events (default: succeed with a warning)')
    .option('--report-to <dir|s3://bucket/prefix>', "where the run's HTML insights report goes (default .sparkify/reports)")
    .addOption(reportDirOption())
    .action(async (flags, command: Command) => {
      const { env, log } = ctx();
      const window = windowFromFlags(flags);
      const reportTo = flags.reportTo === undefined ? undefined : resolveReportDestination(flags.reportTo, '--report-to');
      // The embedded worker's report directory, as `sparkify worker` reads it (with --temporal, the
      // remote worker's own applies).
      const reportDir = reportDirOf(flags, command);
      const notify = notifyFromFlags(flags, settingNamesOf(command), notifyUrlEnv(command));
      const source = required(flags.source, '--source', 'SPARKIFY_SOURCE');
      const warehouseUri = required(flags.warehouse, '--warehouse', 'SPARKIFY_WAREHOUSE');
      checkLocations(command);
      // With --temporal, a remote worker reads the source and the warehouse, not this process.
      if (!flags.temporal) {
        const dir = reportTo ?? defaultReportDir(parseWarehouseUri(warehouseUri, settingName(command, 'warehouse')), reportDir);
        const setting = reportTo === undefined && dir === reportDir ? settingName(command, 'reportDir') : '--report-to';
        await failFastOnStartChecks({
          source,
          warehouse: warehouseUri,
          reportDirs: [{ dir, fix: `give ${setting} a directory you can write to, or fix its permissions` }],
        });
      }
      const summary = await runEtl({
        source,
        warehouse: warehouseUri,
        sourceSetting: settingName(command, 'source'),
        window,
        temporalAddress: flags.temporal,
        connect: connectionFlagsOf(flags, command),
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        s3: s3SettingsFromEnv(),
        ...(reportDir !== undefined ? { reportDir } : {}),
        log,
        input: { failOnEmpty: flags.failOnEmpty ?? RUN_DEFAULTS.failOnEmpty, maxRejectRate: flags.maxRejectRate, reportTo, ...(notify ? { notify } : {}) },
      });
      print(flags.json ? JSON.stringify(summary) : formatSummary(summary));
    });

  program
    .command('insights')
    .description('Business answers from the star schema: a terminal report, JSON, or one self-contained HTML file')
    .addOption(new Option('--warehouse <uri>', 'duckdb:PATH | postgres://…').env('SPARKIFY_WAREHOUSE'))
    .option('--from <YYYY-MM-DD>', 'first day (UTC) of the window')
    .option('--to <YYYY-MM-DD>', 'last day (UTC) of the window, inclusive')
    .addOption(new Option('--format <format>', 'table (terminal) | json | html').choices(INSIGHT_FORMATS).default('table'))
    .option('--out <path>', 'write the report to this file instead of printing it')
    .option('--top <n>', 'rows in each top list', intOption('--top', 1), 10)
    .action(async (flags, command: Command) => {
      ctx(); // checks the environment
      const window = windowFromFlags({ from: flags.from, to: flags.to });
      const uri = required(flags.warehouse, '--warehouse', 'SPARKIFY_WAREHOUSE');
      checkLocations(command);
      const warehouse = await openWarehouseToRead(uri);
      try {
        const { reportErrorColumn } = await requireInsightsTables(warehouse);
        const text = renderReport(await buildInsights(warehouse, window, { limit: flags.top, reportErrorColumn }), flags.format as InsightFormat);
        if (flags.out) {
          fs.mkdirSync(path.dirname(path.resolve(flags.out)), { recursive: true });
          fs.writeFileSync(flags.out, text.endsWith('\n') ? text : `${text}\n`);
          print(`Wrote the ${flags.format} report to ${flags.out}`);
        } else {
          print(text.replace(/\n$/, ''));
        }
      } finally {
        await warehouse.close();
      }
    });

  program
    .command('sql')
    .description('Run one SQL statement on a warehouse and print its rows (several statements are refused: give each on its own)')
    .argument('<query>', 'one SQL statement, e.g. "SELECT level, COUNT(*) FROM users GROUP BY level"')
    .addOption(new Option('--warehouse <uri>', 'duckdb:PATH | postgres://…').env('SPARKIFY_WAREHOUSE'))
    .option('--json', 'print the rows as a JSON array')
    .action(async (query: string, flags, command: Command) => {
      ctx(); // checks the environment
      const uri = required(flags.warehouse, '--warehouse', 'SPARKIFY_WAREHOUSE');
      checkLocations(command);
      const warehouse = await openWarehouseToRead(uri);
      try {
        const rows = await querySingleStatement(warehouse, query);
        if (flags.json) print(JSON.stringify(rows));
        else if (rows.length === 0) print('(no rows)');
        else {
          const columns = Object.keys(rows[0]);
          print(textTable(columns, rows.map((r) => columns.map((c) => (typeof r[c] === 'boolean' ? String(r[c]) : (r[c] as string | number | null))))));
          print(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
        }
      } finally {
        await warehouse.close();
      }
    });

  program
    .command('dev')
    .description('Local stack: Temporal dev server with persistence under .sparkify/, the Web UI, and a worker')
    .option('--port <n>', 'Temporal gRPC port', intOption('--port', 1), 7233)
    .option('--ui-port <n>', 'Web UI port', intOption('--ui-port', 1), 8233)
    .addOption(new Option('--source <dir|s3://…>', "the worker's default source").env('SPARKIFY_SOURCE'))
    // No commander default: it would hide SPARKIFY_WAREHOUSE.
    .addOption(new Option('--warehouse <uri>', `the worker's default warehouse (with neither this nor its env var: duckdb:${DEFAULT_DUCKDB_PATH})`).env('SPARKIFY_WAREHOUSE'))
    .addOption(reportDirOption())
    .addOption(metricsPortOption())
    .action(async (flags, command: Command) => {
      const { env, log } = ctx();
      checkLocations(command);
      const reportDir = reportDirOf(flags, command);
      const metrics = flags.metricsPort ? parseMetricsEndpoint(flags.metricsPort, settingName(command, 'metricsPort')) : undefined;
      const warehouse: string = flags.warehouse ?? `duckdb:${DEFAULT_DUCKDB_PATH}`;
      fs.mkdirSync(LOCAL_DIR, { recursive: true });
      const stack = await openStack({
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        log,
        metrics,
        devServer: { ui: true, port: flags.port, uiPort: flags.uiPort, dbFilename: path.join(LOCAL_DIR, 'temporal.db'), searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } },
        worker: { s3: s3SettingsFromEnv(), defaultSource: flags.source, defaultWarehouse: warehouse, reportDir },
      }).catch((err: unknown) => {
        if (!(err instanceof PortInUseError)) throw err;
        const flag = err.which === 'port' ? '--port' : '--ui-port';
        throw new Error(`${err.message}. Stop that process, or choose another port with ${flag} <n>.`, { cause: err });
      });
      print(`Temporal dev server: ${stack.address} (state in ${LOCAL_DIR}/temporal.db)`);
      print(`Web UI:              ${stack.server?.uiUrl ?? `http://localhost:${flags.uiPort}`}`);
      print(`Worker:              task queue ${env.SPARKIFY_TASK_QUEUE}, warehouse ${redactUri(warehouse)}`);
      print(`Start a run:         sparkify run --temporal ${stack.address} --source DIR --warehouse ${redactUri(warehouse)}`);
      if (metrics) print(`Metrics:             http://localhost:${metrics.port}/metrics`);
      print('Ctrl-C stops everything.');
      await stack.worker!.run();
    });

  addConnectionOptions(program.command('worker'))
    .description('A worker process against TEMPORAL_ADDRESS (what production runs)')
    .addOption(temporalOption())
    .addOption(new Option('--source <dir|s3://…>', 'default source for runs that name none').env('SPARKIFY_SOURCE'))
    .addOption(new Option('--warehouse <uri>', 'default warehouse for runs that name none').env('SPARKIFY_WAREHOUSE'))
    .addOption(reportDirOption())
    .addOption(metricsPortOption())
    .action(async (flags, command: Command) => {
      const { env, log } = ctx();
      const { source, warehouse } = flags as { source?: string; warehouse?: string };
      checkLocations(command);
      const reportDir = reportDirOf(flags, command);
      requireServer(connectionFlagsOf(flags, command));
      await failFastOnStartChecks({ source, warehouse, reportDirs: workerReportDirs(warehouse, reportDir, command) });
      const metrics = flags.metricsPort ? parseMetricsEndpoint(flags.metricsPort, settingName(command, 'metricsPort')) : undefined;
      const stack = await openStack({
        address: flags.temporal,
        connect: connectionFlagsOf(flags, command),
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        log,
        metrics,
        worker: { s3: s3SettingsFromEnv(), defaultSource: source, defaultWarehouse: warehouse, reportDir },
      });
      log.info({ address: stack.address, namespace: stack.namespace, taskQueue: env.SPARKIFY_TASK_QUEUE, ...(metrics ? { metrics: `http://${metrics.host}:${metrics.port}/metrics` } : {}) }, 'worker running');
      await stack.worker!.run();
    });

  program
    .command('generate')
    .description('Write a seeded data set with the layout, shape and quirks of the real one')
    .requiredOption('--out <dir>', 'output directory')
    .option('--days <n>', 'days of event logs', intOption('--days', 1), 30)
    .option('--users <n>', 'users', intOption('--users', 1), 100)
    .option('--songs <n>', 'songs', intOption('--songs', 1), 500)
    .option('--seed <n>', 'seed (same seed, same bytes)', intOption('--seed'), 42)
    .option('--start-date <YYYY-MM-DD>', 'first day', '2018-11-01')
    .action(async (flags) => {
      const outDir = path.resolve(flags.out);
      const startDate = parseDate(flags.startDate, '--start-date');
      await requireEmptyOutDir(outDir);
      const result = await generateDataset({
        outDir,
        days: flags.days,
        users: flags.users,
        songs: flags.songs,
        seed: flags.seed,
        startDate,
      });
      print(
        `Wrote ${result.logFiles} log files (${result.events} events, ${result.nextSongEvents} plays) and ` +
          `${result.songFiles} song files to ${flags.out} (${(result.bytes / 1e6).toFixed(1)} MB).`,
      );
    });

  program
    .command('quickstart')
    .description("The README's first command: generate a small data set if none is given and run everything on DuckDB")
    .option('--source <dir|s3://…>', 'use this data instead of a generated set')
    .option('--warehouse <uri>', 'warehouse', `duckdb:${DEFAULT_DUCKDB_PATH}`)
    .action(async (flags) => {
      const { env, log } = ctx();
      let source: string = flags.source;
      if (!source) {
        source = path.join(LOCAL_DIR, 'data');
        if (!fs.existsSync(path.join(source, 'log_data'))) {
          print(`Generating a small sample data set in ${source} …`);
          await generateDataset({ outDir: path.resolve(source), days: 7, users: 40, songs: 300, seed: 42 });
        }
      }
      print(`Running the pipeline: ${source} → ${redactUri(flags.warehouse)} (embedded Temporal dev server and worker) …`);
      const summary = await runEtl({
        source,
        warehouse: flags.warehouse,
        window: null,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        s3: s3SettingsFromEnv(),
        log,
      });
      print();
      print(formatSummary(summary));
      print();
      print('Next:');
      print(`  npx sparkify sql --warehouse ${redactUri(flags.warehouse)} "SELECT level, COUNT(*) AS users FROM users GROUP BY level"`);
      print('  npx sparkify dev        # Temporal Web UI on http://localhost:8233 and a worker');
      print('  npm test                # the test suite, against real Temporal, PostgreSQL and S3');
    });

  registerScheduleCommands(program, ctx);
  registerBackfillCommand(program, ctx);
  registerDoctorCommand(program, ctx, setExitCode);
  registerRunsCommands(program, ctx);
  registerInfraCommands(program);
  return program;
}

/** Parses the command line and runs it; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let context: Context | undefined;
  const ctx = (): Context => {
    if (!context) {
      const env = readEnv();
      context = { env, log: createLogger({ level: env.SPARKIFY_LOG_LEVEL }) };
    }
    return context;
  };
  // This call's own: a doctor that found problems earlier in the process (tests, the API) does not fail later commands.
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version are not errors.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`sparkify: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RunFailedError) {
      process.stderr.write(`sparkify: ${err.message}\n`);
      return 1;
    }
    if (isStopping()) return exitCodeAfter(1);
    process.stderr.write(`sparkify: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.SPARKIFY_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  } finally {
    await runCleanups();
  }
}

/** The process entry point (bin/sparkify.js). */
export function cli(): void {
  const nodeWarning = oldNodeWarning();
  if (nodeWarning !== undefined) process.stderr.write(`${nodeWarning}\n`);
  onShutdown(() => undefined);
  ignoreClosedReader(process.stdout);
  ignoreClosedReader(process.stderr);
  void main(process.argv).then(async (code) => {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    // Pending handles (the native runtime) must not keep the process alive after the command.
    process.exit(exitCodeAfter(code));
  });
}

if (require.main === module) cli();
