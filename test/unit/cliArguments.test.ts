/**
 * The CLI's argument handling, in process: bad flags exit 2 with a message naming the flag, before
 * any server, warehouse or source is touched.
 */
import { main, windowFromFlags } from '../../src/cli/main';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dateRunInput } from '../../src/cli/common';
import { etlRunInput } from '../../src/cli/runEtl';
import * as temporalStack from '../../src/cli/temporalStack';
import { backfillInputShape, scheduledInputShape } from '../../src/workflows/inputs';
import { issuesWith } from '../../src/workflows/shape';
import { ConfigError, parseWarehouseUri } from '../../src/config';

const ENV_NAMES = ['SPARKIFY_SOURCE', 'SPARKIFY_WAREHOUSE', 'TEMPORAL_ADDRESS', 'SPARKIFY_NOTIFY_URL', 'SPARKIFY_WEB_UI', 'SPARKIFY_METRICS_PORT', 'SPARKIFY_REPORT_DIR'];
const saved: Record<string, string | undefined> = {};
let stderr: string;
let stdout: string;

beforeEach(() => {
  for (const name of ENV_NAMES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  stderr = '';
  stdout = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const name of ENV_NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const sparkify = (...args: string[]) => main(['node', 'sparkify', ...args]);

describe('the run window flags', () => {
  test('no flag means every file; --date one day; --from/--to a range', () => {
    expect(windowFromFlags({})).toBeNull();
    expect(windowFromFlags({ all: true })).toBeNull();
    expect(windowFromFlags({ date: '2018-11-05' })).toEqual({ from: '2018-11-05', to: '2018-11-05' });
    expect(windowFromFlags({ from: '2018-11-01', to: '2018-11-30' })).toEqual({ from: '2018-11-01', to: '2018-11-30' });
  });

  test.each([
    [{ all: true, date: '2018-11-05' }, /give only one of them/],
    [{ date: '2018-11-05', from: '2018-11-01', to: '2018-11-02' }, /give only one of them/],
    [{ from: '2018-11-01' }, /--from and --to go together/],
    [{ to: '2018-11-01' }, /--from and --to go together/],
    [{ from: '2018-11-05', to: '2018-11-01' }, /--from 2018-11-05 is after --to 2018-11-01/],
    [{ date: '2018-02-30' }, /--date/],
    [{ date: '11/05/2018' }, /--date/],
  ])('%j is refused: %s', (flags, message) => {
    expect(() => windowFromFlags(flags)).toThrow(ConfigError);
    expect(() => windowFromFlags(flags)).toThrow(message);
  });
});

describe('sparkify run', () => {
  test.each([
    [['run', '--date', '2018-11-05', '--all', '--source', '/s', '--warehouse', 'duckdb:/w.duckdb'], /give only one of them/],
    [['run', '--from', '2018-11-05', '--source', '/s', '--warehouse', 'duckdb:/w.duckdb'], /--from and --to go together/],
    [['run', '--warehouse', 'duckdb:/w.duckdb'], /--source is required \(or set SPARKIFY_SOURCE\)/],
    [['run', '--source', '/s'], /--warehouse is required \(or set SPARKIFY_WAREHOUSE\)/],
    [['run', '--max-reject-rate', '1.5', '--source', '/s', '--warehouse', 'duckdb:/w.duckdb'], /share between 0 and 1/],
    [['run', '--max-reject-rate', 'lots'], /share between 0 and 1/],
    [['run', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['no-such-command'], /unknown command 'no-such-command'/],
  ])('%j exits 2, saying %s', async (args, message) => {
    expect(await sparkify(...args)).toBe(2);
    expect(stderr).toMatch(message);
  });

  test('--help prints the usage and exits 0', async () => {
    expect(await sparkify('run', '--help')).toBe(0);
    expect(stdout).toMatch(/--max-reject-rate <share>/);
    expect(stdout).toMatch(/--date <YYYY-MM-DD>/);
  });
});

describe('schedule and backfill commands', () => {
  test('need a real server: --temporal is mandatory', async () => {
    expect(await sparkify('schedule', 'list')).toBe(2);
    expect(stderr).toMatch(/--temporal/);
  });

  test('the run input they store checks the URIs and hides the password', () => {
    expect(dateRunInput({ source: '/data', warehouse: 'postgres://etl:s3cret@db:5432/dw', failOnEmpty: true })).toEqual({
      source: '/data',
      warehouse: expect.not.stringContaining('s3cret'),
      failOnEmpty: true,
    });
    expect(() => dateRunInput({ warehouse: 'mysql://db/dw' })).toThrow(new ConfigError('--warehouse: "mysql://db/dw" is not a warehouse URI; use duckdb:PATH, postgres://… or redshift-data://…'));
    expect(() => dateRunInput({ source: 'ftp://x' }, (key) => (key === 'source' ? 'SPARKIFY_SOURCE' : '--warehouse'))).toThrow(/^SPARKIFY_SOURCE: "ftp:\/\/x"/);
  });

  // A worker resolves a relative path against its own directory, not the operator's.
  test('a local source and a DuckDB file go into the stored input as absolute paths', () => {
    expect(dateRunInput({ source: 'data/gen', warehouse: 'duckdb:wh/rel.duckdb' })).toEqual({
      source: path.resolve('data/gen'),
      warehouse: `duckdb:${path.resolve('wh/rel.duckdb')}`,
    });
    expect(dateRunInput({ source: 's3://bucket/prefix', warehouse: 'postgres://etl@db:5432/dw' })).toEqual({
      source: 's3://bucket/prefix',
      warehouse: 'postgres://etl@db:5432/dw',
    });
  });
});

// Someone who exported SPARKIFY_WAREHOUSE never typed --warehouse: a bad value is named as it was set.
describe('a bad value is named by what gave it: the environment variable, or the flag typed over it', () => {
  const badWarehouse = 'postgres://etl:pw@[db';
  const badWarehouseSaid = (name: string) => `sparkify: ${name}: "postgres://etl:***@[db" is not a valid PostgreSQL URL (postgres://user@host:5432/db)\n`;

  test.each([
    [['doctor']],
    [['sql', 'SELECT 1']],
    [['insights']],
    [['run', '--source', '/s']],
    [['worker', '--temporal', 'localhost:1']],
    [['backfill', '--from', '2018-11-01', '--to', '2018-11-01', '--dry-run']],
    [['dev']],
  ])('SPARKIFY_WAREHOUSE for %j', async (args) => {
    process.env.SPARKIFY_WAREHOUSE = badWarehouse;
    expect(await sparkify(...args)).toBe(2);
    expect(stderr).toBe(badWarehouseSaid('SPARKIFY_WAREHOUSE'));

    stderr = '';
    process.env.SPARKIFY_WAREHOUSE = 'duckdb:/unused.duckdb';
    expect(await sparkify(...args, '--warehouse', badWarehouse)).toBe(2);
    expect(stderr).toBe(badWarehouseSaid('--warehouse'));
  });

  test.each([
    ['SPARKIFY_SOURCE', 'ftp://x', ['doctor'], 'SPARKIFY_SOURCE: "ftp://x" is neither a local directory nor an s3:// URI'],
    ['SPARKIFY_SOURCE', 'ftp://x', ['worker', '--temporal', 'localhost:1'], 'SPARKIFY_SOURCE: "ftp://x" is neither a local directory nor an s3:// URI'],
    ['SPARKIFY_NOTIFY_URL', 'nope', ['run', '--source', '/s', '--warehouse', 'duckdb:/w.duckdb'], 'SPARKIFY_NOTIFY_URL: "webhook:/'],
    ['SPARKIFY_WEB_UI', 'nope', ['run', '--source', '/s', '--warehouse', 'duckdb:/w.duckdb', '--notify-url', 'http://hook.example/x'], 'SPARKIFY_WEB_UI: "nope" is not a URL'],
    ['SPARKIFY_METRICS_PORT', 'abc', ['worker', '--temporal', 'localhost:1'], 'SPARKIFY_METRICS_PORT: "abc" is not a port (1-65535) or HOST:PORT'],
  ])('%s=%s for %j', async (name, value, args, said) => {
    process.env[name] = value;
    expect(await sparkify(...args)).toBe(2);
    expect(stderr).toContain(`sparkify: ${said}`);
  });

  test('SPARKIFY_SOURCE naming a directory that is not there, for run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-env-source-'));
    try {
      process.env.SPARKIFY_SOURCE = path.join(dir, 'missing');
      expect(await sparkify('run', '--warehouse', `duckdb:${path.join(dir, 'wh.duckdb')}`)).toBe(2);
      expect(stderr).toBe(`sparkify: SPARKIFY_SOURCE: directory ${path.join(dir, 'missing')} does not exist\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('duckdb: warehouse URIs', () => {
  test.each([
    ['duckdb:/abs/wh.duckdb', '/abs/wh.duckdb'],
    ['duckdb:rel/wh.duckdb', path.resolve('rel/wh.duckdb')],
    ['duckdb::memory:', ':memory:'],
  ])('%s is the file %s', (uri, file) => {
    expect(parseWarehouseUri(uri)).toEqual({ kind: 'duckdb', path: file });
  });

  // duckdb://tmp/x was taken as tmp/x; a file: URI reads duckdb:///tmp/x as /tmp/x, SQLAlchemy as tmp/x.
  test.each(['duckdb://tmp/x', 'duckdb:///tmp/x'])('%s is refused as ambiguous, showing both spellings', (uri) => {
    expect(() => parseWarehouseUri(uri, 'SPARKIFY_WAREHOUSE')).toThrow(
      new ConfigError(`SPARKIFY_WAREHOUSE: "${uri}" is ambiguous: write duckdb:/tmp/x for the absolute path /tmp/x, or duckdb:tmp/x for tmp/x under the current directory`),
    );
  });

  test.each(['duckdb:', 'duckdb://', 'duckdb:/'])('%s is refused: it names no file', (uri) => {
    expect(() => parseWarehouseUri(uri)).toThrow(/^--warehouse: "duckdb:" needs a file path/);
  });

  // The shell expands ~ only at the start of a word: duckdb:~/w.duckdb made a folder named ~ here.
  test('duckdb:~/… is refused, with the path written out and the $HOME spelling', () => {
    expect(() => parseWarehouseUri('duckdb:~/w.duckdb')).toThrow(
      new ConfigError(
        '--warehouse: "duckdb:~/w.duckdb" starts with ~, which the shell left as it is (it expands ~ only at the start of a word), so it would name ~ ' +
          `under the current directory: write the path out, e.g. duckdb:${path.join(os.homedir(), 'w.duckdb')}, or duckdb:$HOME/w.duckdb, which the shell expands`,
      ),
    );
    expect(() => parseWarehouseUri('duckdb:~bob/w.duckdb')).toThrow(/"duckdb:~bob\/w.duckdb" starts with ~, .* so it would name ~bob under the current directory: write the path out in full$/);
    expect(parseWarehouseUri('duckdb:/data/~/w.duckdb')).toEqual({ kind: 'duckdb', path: '/data/~/w.duckdb' });
  });

  test('sparkify sql --warehouse duckdb:~/… and run --source=~/… exit 2 with that line', async () => {
    expect(await sparkify('sql', '--warehouse', 'duckdb:~/w.duckdb', 'SELECT 1')).toBe(2);
    expect(stderr).toMatch(/^sparkify: --warehouse: "duckdb:~\/w.duckdb" starts with ~, .*, or duckdb:\$HOME\/w.duckdb, which the shell expands\n$/);
    stderr = '';
    expect(await sparkify('run', '--source=~/data', '--warehouse', 'duckdb:/unused.duckdb')).toBe(2);
    expect(stderr).toBe(
      'sparkify: --source: "~/data" starts with ~, which the shell left as it is (it expands ~ only at the start of a word), so it would name ~ ' +
        `under the current directory: write the path out, e.g. ${path.join(os.homedir(), 'data')}, or $HOME/data, which the shell expands\n`,
    );
  });

  test('sparkify sql --warehouse duckdb://… exits 2 with that line', async () => {
    expect(await sparkify('sql', '--warehouse', 'duckdb://tmp/x', 'SELECT 1')).toBe(2);
    expect(stderr).toBe('sparkify: --warehouse: "duckdb://tmp/x" is ambiguous: write duckdb:/tmp/x for the absolute path /tmp/x, or duckdb:tmp/x for tmp/x under the current directory\n');
  });
});

describe('the input of sparkify run', () => {
  test('holds a local source and a DuckDB file as absolute paths, other URIs as given, the password hidden', () => {
    const window = { from: '2018-11-04', to: '2018-11-04' };
    expect(etlRunInput({ source: 'data/gen', warehouse: 'duckdb:rel.duckdb', window, input: { maxRejectRate: 0.5 } })).toEqual({
      source: path.resolve('data/gen'),
      warehouse: `duckdb:${path.resolve('rel.duckdb')}`,
      window,
      maxRejectRate: 0.5,
    });
    const remote = etlRunInput({ source: 's3://bucket/logs/', warehouse: 'postgres://etl:s3cret@db:5432/dw', window: null });
    expect(remote).toMatchObject({ source: 's3://bucket/logs/', warehouse: 'postgres://etl:***@db:5432/dw' });
  });
});

describe('sparkify dev', () => {
  /** Its exit code, and the worker settings it would start its stack with (the stack itself is not started). */
  async function dev(...args: string[]) {
    const openStack = jest.spyOn(temporalStack, 'openStack').mockRejectedValue(new Error('not started in this test'));
    const cwd = process.cwd();
    process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-dev-args-')));
    try {
      const code = await sparkify('dev', ...args);
      return { code, worker: openStack.mock.lastCall?.[0].worker, started: openStack.mock.calls.length > 0 };
    } finally {
      process.chdir(cwd);
      openStack.mockClear();
    }
  }

  test('the worker takes --warehouse, else SPARKIFY_WAREHOUSE, else the local DuckDB file', async () => {
    process.env.SPARKIFY_WAREHOUSE = 'postgres://etl@db:5432/from_env';
    expect((await dev()).worker).toMatchObject({ defaultWarehouse: 'postgres://etl@db:5432/from_env' });
    expect((await dev('--warehouse', 'duckdb:/flag.duckdb')).worker).toMatchObject({ defaultWarehouse: 'duckdb:/flag.duckdb' });
    delete process.env.SPARKIFY_WAREHOUSE;
    expect((await dev()).worker).toMatchObject({ defaultWarehouse: 'duckdb:.sparkify/warehouse.duckdb' });
  });

  test("the worker's report directory is --report-dir, else SPARKIFY_REPORT_DIR (absolute, or S3), else unset", async () => {
    expect((await dev()).worker?.reportDir).toBeUndefined();
    process.env.SPARKIFY_REPORT_DIR = 's3://reports/etl';
    expect((await dev()).worker).toMatchObject({ reportDir: 's3://reports/etl/' });
    expect((await dev('--report-dir', '/var/lib/sparkify/reports')).worker).toMatchObject({ reportDir: '/var/lib/sparkify/reports' });
    process.env.SPARKIFY_REPORT_DIR = 'ftp://x';
    stderr = '';
    expect(await dev()).toMatchObject({ code: 2, started: false });
    expect(stderr).toMatch(/^sparkify: SPARKIFY_REPORT_DIR: "ftp:\/\/x" is neither a local directory nor an s3:\/\/ URI/);
  });

  test('a bad SPARKIFY_WAREHOUSE stops it with status 2, naming the variable, before anything starts', async () => {
    process.env.SPARKIFY_WAREHOUSE = 'mysql://db/dw';
    expect(await dev()).toMatchObject({ code: 2, started: false });
    expect(stderr).toMatch(/^sparkify: SPARKIFY_WAREHOUSE: "mysql:\/\/db\/dw" is not a warehouse URI/);
  });

  test('--help says where the default warehouse comes from', async () => {
    expect(await sparkify('dev', '--help')).toBe(0);
    expect(stdout).toMatch(/--warehouse <uri>\s+the worker's default warehouse \(with\s+neither\s+this nor its env var:\s+duckdb:\.sparkify\/warehouse\.duckdb\) \(env:\s+SPARKIFY_WAREHOUSE\)/);
  });
});

// The workflows check their input only when they run: a flag they would refuse must fail here.
describe('whole-number flags take exactly what the workflows accept', () => {
  const backfillAccepts = (field: string, n: number) => issuesWith(backfillInputShape, { from: '2018-11-01', to: '2018-11-01', etl: {}, [field]: n }).length === 0;
  const scheduleAccepts = (n: number) => issuesWith(scheduledInputShape, { etl: {}, offsetDays: n }).length === 0;

  test.each([
    ['--concurrency', 'concurrency', [0, 1, 100, 101, 1000]],
    ['--dates-per-run', 'datesPerRun', [0, 1, 10_000, 10_001]],
  ] as const)('backfill %s', async (flag, field, values) => {
    for (const n of values) {
      stderr = '';
      const code = await sparkify('backfill', '--from', '2018-11-01', '--to', '2018-11-01', '--dry-run', flag, String(n));
      expect({ n, code }).toEqual({ n, code: backfillAccepts(field, n) ? 0 : 2 });
      if (code === 2) expect(stderr).toContain(`${flag} must be a whole number from ${field === 'concurrency' ? '1 to 100' : '1 to 10000'}`);
    }
  });

  test.each(['create', 'update'])('schedule %s --offset-days', async (command) => {
    for (const n of [-367, -366, -1, 366, 367]) {
      stderr = '';
      // Without a server the command stops at --temporal: after its flags were parsed.
      expect(await sparkify('schedule', command, '--offset-days', String(n))).toBe(2);
      expect({ n, refused: stderr.includes('--offset-days must be a whole number from -366 to 366') }).toEqual({ n, refused: !scheduleAccepts(n) });
    }
  });
});
