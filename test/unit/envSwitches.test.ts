/**
 * The tuning switches read where they act (DuckDB's pool and staging paths, the staging thread, the
 * native row encoder) are checked with the CLI's other settings: a mistyped value stops it with the
 * variable's name and status 2 instead of silently meaning the default.
 */
import { main } from '../../src/cli/main';
import { ConfigError, DEFAULT_SLOW_STATEMENT_SECONDS, DEFAULT_STAGING_RETENTION_DAYS, postgresTimeouts, readEnv, s3Timeouts, slowStatementSeconds, stagingRetentionDays } from '../../src/config';

const SWITCHES = ['SPARKIFY_DUCKDB_READ_FILES', 'SPARKIFY_DUCKDB_RAW_LINES', 'SPARKIFY_DUCKDB_THREAD_PARTS', 'SPARKIFY_STAGING_THREAD', 'SPARKIFY_NATIVE_ROWS'];

describe('readEnv', () => {
  test.each(SWITCHES)('%s takes 1, 0 or empty', (name) => {
    for (const value of ['1', '0', '']) expect(() => readEnv({ [name]: value })).not.toThrow();
  });

  test.each(SWITCHES.flatMap((name) => ['yes', 'true', '2', ' 1'].map((value) => [name, value])))('%s=%j is refused, by name', (name, value) => {
    expect(() => readEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => readEnv({ [name]: value })).toThrow(new RegExp(`^${name}: must be 1 or 0 \\(got "${value}"\\)`));
  });

  test('SPARKIFY_DUCKDB_STAGING_COMPRESSION: all (any case) or unset', () => {
    for (const value of ['all', 'ALL', '']) expect(() => readEnv({ SPARKIFY_DUCKDB_STAGING_COMPRESSION: value })).not.toThrow();
    expect(() => readEnv({ SPARKIFY_DUCKDB_STAGING_COMPRESSION: 'none' })).toThrow(/^SPARKIFY_DUCKDB_STAGING_COMPRESSION: must be 'all' or unset/);
  });

  test('SPARKIFY_DUCKDB_MEMORY_LIMIT: a size or default', () => {
    for (const value of ['128MiB', '2GB', '512 MB', '1.5GB', 'default', 'DEFAULT', '']) {
      expect(() => readEnv({ SPARKIFY_DUCKDB_MEMORY_LIMIT: value })).not.toThrow();
    }
    for (const value of ['lots', '-1GB', '2 G B']) {
      expect(() => readEnv({ SPARKIFY_DUCKDB_MEMORY_LIMIT: value })).toThrow(/^SPARKIFY_DUCKDB_MEMORY_LIMIT: must be a memory size/);
    }
  });
});

describe('SPARKIFY_STAGING_RETENTION_DAYS', () => {
  test('takes a whole number of days, empty or unset meaning the default, through the one parser staging clears with', () => {
    expect(readEnv({}).SPARKIFY_STAGING_RETENTION_DAYS).toBe(DEFAULT_STAGING_RETENTION_DAYS);
    expect(readEnv({ SPARKIFY_STAGING_RETENTION_DAYS: '' }).SPARKIFY_STAGING_RETENTION_DAYS).toBe(DEFAULT_STAGING_RETENTION_DAYS);
    expect(readEnv({ SPARKIFY_STAGING_RETENTION_DAYS: '0' }).SPARKIFY_STAGING_RETENTION_DAYS).toBe(0);
    expect(stagingRetentionDays({ SPARKIFY_STAGING_RETENTION_DAYS: ' 30 ' })).toBe(30);
  });

  test.each(['abc', 'a week', '-1', '1.5', '7d'])('%j is refused at start, by name', (value) => {
    const message = `SPARKIFY_STAGING_RETENTION_DAYS: must be a whole number of days (got "${value}")`;
    expect(() => readEnv({ SPARKIFY_STAGING_RETENTION_DAYS: value })).toThrow(message);
    expect(() => stagingRetentionDays({ SPARKIFY_STAGING_RETENTION_DAYS: value })).toThrow(message);
  });
});

describe('SPARKIFY_SLOW_STATEMENT_SECONDS', () => {
  test('takes seconds, whole or not, empty or unset meaning the default, through the one parser the publishes read', () => {
    expect(readEnv({}).SPARKIFY_SLOW_STATEMENT_SECONDS).toBe(DEFAULT_SLOW_STATEMENT_SECONDS);
    expect(slowStatementSeconds({ SPARKIFY_SLOW_STATEMENT_SECONDS: ' ' })).toBe(DEFAULT_SLOW_STATEMENT_SECONDS);
    expect(slowStatementSeconds({ SPARKIFY_SLOW_STATEMENT_SECONDS: '0' })).toBe(0);
    expect(slowStatementSeconds({ SPARKIFY_SLOW_STATEMENT_SECONDS: '2.5' })).toBe(2.5);
    expect(slowStatementSeconds({ SPARKIFY_SLOW_STATEMENT_SECONDS: '.5' })).toBe(0.5);
  });

  test.each(['abc', '-1', '10s', '1e3'])('%j is refused at start, by name', (value) => {
    const message = `SPARKIFY_SLOW_STATEMENT_SECONDS: must be a number of seconds, such as 10 or 0.5 (got "${value}")`;
    expect(() => readEnv({ SPARKIFY_SLOW_STATEMENT_SECONDS: value })).toThrow(message);
    expect(() => slowStatementSeconds({ SPARKIFY_SLOW_STATEMENT_SECONDS: value })).toThrow(message);
  });
});

describe('the timeouts in seconds (PostgreSQL, S3)', () => {
  const TIMEOUTS = ['SPARKIFY_PG_CONNECT_TIMEOUT', 'SPARKIFY_PG_STATEMENT_TIMEOUT', 'SPARKIFY_PG_KEEPALIVE_DELAY', 'SPARKIFY_S3_READ_TIMEOUT', 'SPARKIFY_S3_CONNECT_TIMEOUT'];

  test.each(TIMEOUTS.flatMap((name) => ['abc', '-1', '10s'].map((value) => [name, value])))('%s=%j is refused at start, by name', (name, value) => {
    expect(() => readEnv({ [name]: value })).toThrow(`${name}: must be 0 or more seconds (got "${value}")`);
  });

  test('blank is the default, not 0 (which turns a timeout off)', () => {
    expect(postgresTimeouts({ SPARKIFY_PG_STATEMENT_TIMEOUT: '', SPARKIFY_PG_CONNECT_TIMEOUT: ' ' })).toEqual(postgresTimeouts({}));
    expect(postgresTimeouts({}).statementTimeoutMs).toBe(6 * 3_600_000);
    expect(s3Timeouts({ SPARKIFY_S3_READ_TIMEOUT: '' })).toEqual({ readTimeoutMs: 60_000, connectTimeoutMs: 10_000 });
    expect(readEnv({ SPARKIFY_PG_STATEMENT_TIMEOUT: '0', SPARKIFY_S3_READ_TIMEOUT: '2.5' })).toMatchObject({ SPARKIFY_PG_STATEMENT_TIMEOUT: 0, SPARKIFY_S3_READ_TIMEOUT: 2_500 });
  });
});

describe('the CLI', () => {
  let stderr: string;
  const saved = process.env.SPARKIFY_DUCKDB_RAW_LINES;

  beforeEach(() => {
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    if (saved === undefined) delete process.env.SPARKIFY_DUCKDB_RAW_LINES;
    else process.env.SPARKIFY_DUCKDB_RAW_LINES = saved;
  });

  test('a bad switch exits 2 naming it, before any warehouse is opened', async () => {
    process.env.SPARKIFY_DUCKDB_RAW_LINES = 'on';
    await expect(main(['node', 'sparkify', 'sql', '--warehouse', 'duckdb::memory:', 'SELECT 1 AS one'])).resolves.toBe(2);
    expect(stderr).toBe('sparkify: SPARKIFY_DUCKDB_RAW_LINES: must be 1 or 0 (got "on")\n');
  });

  test('a good one runs the command', async () => {
    process.env.SPARKIFY_DUCKDB_RAW_LINES = '1';
    await expect(main(['node', 'sparkify', 'sql', '--warehouse', 'duckdb::memory:', 'SELECT 1 AS one'])).resolves.toBe(0);
    expect(stderr).toBe('');
  });

  // It is read only when a run is recorded, after publishing: a typo must stop the start instead.
  test.each([
    [['worker', '--temporal', '127.0.0.1:1']],
    [['run', '--source', '/s', '--warehouse', 'duckdb::memory:']],
  ])('a bad SPARKIFY_STAGING_RETENTION_DAYS stops %j with status 2 before it starts', async (args) => {
    const saved = process.env.SPARKIFY_STAGING_RETENTION_DAYS;
    process.env.SPARKIFY_STAGING_RETENTION_DAYS = 'abc';
    try {
      await expect(main(['node', 'sparkify', ...args])).resolves.toBe(2);
    } finally {
      if (saved === undefined) delete process.env.SPARKIFY_STAGING_RETENTION_DAYS;
      else process.env.SPARKIFY_STAGING_RETENTION_DAYS = saved;
    }
    expect(stderr).toBe('sparkify: SPARKIFY_STAGING_RETENTION_DAYS: must be a whole number of days (got "abc")\n');
  });
});
