/**
 * A report location the worker cannot write fails writeReport at once, naming the directory and
 * the setting that chose it: the run has published by then, and retrying the write met the same
 * refusal for two minutes (a worker started in a directory it may not write, as in the image).
 */
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../src/activities';
import { main } from '../../src/cli/main';
import * as temporalStack from '../../src/cli/temporalStack';
import { Resources } from '../../src/activities/resources';
import { ERROR_TYPES, StorageError } from '../../src/errors';
import { REPORT_DIR_OWNER, reportWriteFault, warehouseTag } from '../../src/insights';
import { warehouseIdentity } from '../../src/config';
import { silentLogger } from '../../src/log';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-report-location-'));
  // A file where the report directory's parent should be: refused as a read-only or foreign
  // directory would be, whoever runs the test (root writes any directory).
  fs.writeFileSync(path.join(tmp, 'not-a-directory'), '');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** writeReport of a run on an in-memory DuckDB warehouse (no file to put the report beside). */
async function writeReport(options: { reportDir?: string; reportTo?: string; warehouse?: string }): Promise<unknown> {
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: options.warehouse ?? 'duckdb::memory:', reportDir: options.reportDir, allow: {} });
  const activities = createActivities({ resources, log: silentLogger });
  try {
    await activities.createSchema({ warehouse: '' });
    return await activities.writeReport({ runId: 'r', source: '', warehouse: '', workflowId: 'sparkify-etl-2018-11-07', window: null, reportTo: options.reportTo });
  } catch (err) {
    return err;
  } finally {
    await resources.close();
  }
}

describe('a report location the worker cannot write', () => {
  const refused = () => path.join(tmp, 'not-a-directory', 'reports');

  test("the worker's report directory: a non-retryable failure naming it, the settings that choose it, and the published run", async () => {
    const failure = await writeReport({ reportDir: refused() });
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
    const message = (failure as Error).message;
    expect(message).toContain(`cannot write the run's report to ${refused()} (chosen by the worker's --report-dir or SPARKIFY_REPORT_DIR (unset: .sparkify/reports in its working directory), or the run's --report-to)`);
    expect(message).toMatch(/ENOTDIR: not a directory, mkdir .*: give a directory the worker's user can write to, or fix its permissions; the run's tables are published; run it again/);
  });

  test("the run's --report-to: named as the run's choice", async () => {
    const failure = await writeReport({ reportTo: refused() });
    expect(failure).toMatchObject({ type: ERROR_TYPES.storage, nonRetryable: true });
    expect((failure as Error).message).toContain(`${refused()} (chosen by the run's --report-to (workflow input reportTo))`);
  });

  test.each([
    ['no permission', 'EACCES', "EACCES: permission denied, mkdir '/.sparkify/reports'", /give a directory the worker's user can write to/],
    ['a read-only file system', 'EROFS', "EROFS: read-only file system, open '/app/.sparkify/reports/x.html.partial'", /give a directory the worker's user can write to/],
    ['a full disk', 'ENOSPC', 'ENOSPC: no space left on device, write', /free space there .* and run again/],
  ])('%s is a StorageError too', (_, code, message, advice) => {
    const err = reportWriteFault(Object.assign(new Error(message), { code }), '/.sparkify/reports', 'x');
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(`/.sparkify/reports (chosen by x): ${message}`);
    expect((err as Error).message).toMatch(advice);
  });

  test('a writable one takes the report (so the checks above can fail)', async () => {
    const dir = path.join(tmp, 'reports');
    expect(await writeReport({ reportDir: dir })).toBe(path.join(dir, 'sparkify-etl-2018-11-07.html'));
  });
});

describe('warehouses that share a report directory', () => {
  test("keep each other's reports: the first keeps the plain names, the others' carry their warehouse", async () => {
    // Two DuckDB files in one folder: both put their reports in reports/ beside them (both wrote
    // sparkify-etl-2018-11-07.html, the second over the first).
    const folder = path.join(tmp, 'two-warehouses');
    fs.mkdirSync(folder);
    const [a, b] = ['a', 'b'].map((name) => `duckdb:${path.join(folder, `${name}.duckdb`)}`);
    const reports = path.join(folder, 'reports');
    expect(await writeReport({ warehouse: a })).toBe(path.join(reports, 'sparkify-etl-2018-11-07.html'));
    const ofB = await writeReport({ warehouse: b });
    expect(ofB).toBe(path.join(reports, `sparkify-etl-2018-11-07--${warehouseTag(warehouseIdentity(b))}.html`));
    expect(path.basename(ofB as string)).toMatch(/^sparkify-etl-2018-11-07--duckdb-b-[0-9a-f]{8}\.html$/);
    // The first warehouse's next report keeps its plain name; the directory says whose it is.
    expect(await writeReport({ warehouse: a })).toBe(path.join(reports, 'sparkify-etl-2018-11-07.html'));
    expect(fs.readFileSync(path.join(reports, REPORT_DIR_OWNER), 'utf8')).toBe(`${warehouseTag(warehouseIdentity(a))}\n`);
    expect(fs.readdirSync(reports).filter((f) => f.endsWith('.html')).sort()).toEqual([path.basename(ofB as string), 'sparkify-etl-2018-11-07.html'].sort());
  });

  test('a tag tells warehouses of the same kind and name apart, and holds no password', () => {
    const one = warehouseTag(warehouseIdentity('postgres://etl:secret@db1:5432/sparkify'));
    const two = warehouseTag(warehouseIdentity('postgres://etl:secret@db2:5432/sparkify'));
    expect(one).toMatch(/^postgres-sparkify-[0-9a-f]{8}$/);
    expect(two).toMatch(/^postgres-sparkify-[0-9a-f]{8}$/);
    expect(one).not.toBe(two);
    expect(warehouseTag(warehouseIdentity('postgres://etl:other@db1:5432/sparkify'))).toBe(one);
  });
});

/**
 * The worker checks its report directory as it starts, as it checks a DuckDB path: a deploy with
 * one it cannot write stops there, not after the first night's publish.
 */
describe('sparkify worker, at start', () => {
  let stderr: string;
  const saved = process.env.SPARKIFY_REPORT_DIR;
  beforeEach(() => {
    delete process.env.SPARKIFY_REPORT_DIR;
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (saved === undefined) delete process.env.SPARKIFY_REPORT_DIR;
    else process.env.SPARKIFY_REPORT_DIR = saved;
  });

  /** Its exit code, and whether it went on to start (the stack itself is not started). */
  async function worker(...args: string[]) {
    const openStack = jest.spyOn(temporalStack, 'openStack').mockRejectedValue(new Error('not started in this test'));
    const code = await main(['node', 'sparkify', 'worker', '--temporal', 'localhost:1', ...args]);
    return { code, started: openStack.mock.calls.length > 0 };
  }

  test('stops when the report directory its runs will use cannot be written, naming it and the setting', async () => {
    process.env.SPARKIFY_REPORT_DIR = path.join(tmp, 'not-a-directory', 'reports');
    expect(await worker('--warehouse', 'postgres://etl@db:5432/dw')).toEqual({ code: 2, started: false });
    expect(stderr).toContain(
      `PROBLEM   report directory writable: ${path.join(tmp, 'not-a-directory', 'reports')}: ${path.join(tmp, 'not-a-directory')} is not a writable directory (ENOTDIR) — fix: give the worker a directory its user can write to with --report-dir or SPARKIFY_REPORT_DIR`,
    );
  });

  test('the default, .sparkify/reports in its working directory, is checked too', async () => {
    const cwd = process.cwd();
    process.chdir(path.join(tmp));
    fs.mkdirSync('.sparkify', { recursive: true });
    fs.writeFileSync('.sparkify/reports', 'a file, not a directory');
    try {
      expect(await worker('--warehouse', 'redshift-data://workgroup/wg/dev?region=us-east-1')).toEqual({ code: 2, started: false });
      expect(stderr).toContain(`report directory writable: ${path.join(tmp, '.sparkify/reports')}: ${path.join(tmp, '.sparkify/reports')} is not a writable directory (ENOTDIR)`);
    } finally {
      fs.rmSync('.sparkify', { recursive: true, force: true });
      process.chdir(cwd);
    }
  });

  test('starts with a writable one (so the checks above can fail)', async () => {
    expect(await worker('--warehouse', 'postgres://etl@db:5432/dw', '--report-dir', path.join(tmp, 'reports'))).toEqual({ code: 1, started: true });
    expect(await worker('--warehouse', `duckdb:${path.join(tmp, 'w.duckdb')}`)).toEqual({ code: 1, started: true });
  });

  test("with a DuckDB warehouse, the reports directory beside its file is checked: its runs' reports go there", async () => {
    const dir = path.join(tmp, 'dw');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'reports'), 'a file, not a directory');
    expect(await worker('--warehouse', `duckdb:${path.join(dir, 'w.duckdb')}`)).toEqual({ code: 2, started: false });
    expect(stderr).toContain(
      `PROBLEM   report directory writable: ${path.join(dir, 'reports')}: ${path.join(dir, 'reports')} is not a writable directory (ENOTDIR) — fix: runs on the worker's DuckDB warehouse write their reports beside its file: let the worker's user write ${path.join(dir, 'reports')}, or give --warehouse a DuckDB path in a directory it can write`,
    );
  });

  test('with a DuckDB warehouse, a report directory set for its runs on other warehouses is checked too; the unset default is not', async () => {
    process.env.SPARKIFY_REPORT_DIR = path.join(tmp, 'not-a-directory', 'reports');
    expect(await worker('--warehouse', `duckdb:${path.join(tmp, 'w.duckdb')}`)).toEqual({ code: 2, started: false });
    expect(stderr).toContain(`report directory writable: ${path.join(tmp, 'not-a-directory', 'reports')}: ${path.join(tmp, 'not-a-directory')} is not a writable directory (ENOTDIR)`);

    delete process.env.SPARKIFY_REPORT_DIR;
    const cwd = process.cwd();
    process.chdir(tmp);
    fs.mkdirSync('.sparkify', { recursive: true });
    fs.writeFileSync('.sparkify/reports', 'a file, not a directory');
    try {
      expect(await worker('--warehouse', `duckdb:${path.join(tmp, 'w.duckdb')}`)).toEqual({ code: 1, started: true });
    } finally {
      process.chdir(cwd);
    }
  });
});
