import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, parseDate } from '../src/config';
import { addDays, datesBetween, daysInRange, MAX_DATE, MIN_DATE } from '../src/etl/dates';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * Date ranges are bounded: a date near the end of year 9999 once made `datesBetween` wrap to
 * `+010000-01-01` (which sorts before every real date) and loop forever. The looping cases run in
 * a child process with a deadline, so that a regression fails this test instead of hanging it.
 */
const ROOT = path.resolve(__dirname, '..');

const cliEnv: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
delete cliEnv.TEMPORAL_ADDRESS;

function inChild(script: string) {
  return spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist/etl/dates.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
});

test('datesBetween lists a range inclusively and an inverted range as empty', () => {
  expect(datesBetween('2018-11-30', '2018-12-02')).toEqual(['2018-11-30', '2018-12-01', '2018-12-02']);
  expect(datesBetween('2018-11-02', '2018-11-01')).toEqual([]);
  expect(daysInRange('2016-02-28', '2016-03-01')).toBe(3);
  expect(datesBetween(MIN_DATE, MAX_DATE)).toHaveLength(daysInRange(MIN_DATE, MAX_DATE));
});

test('datesBetween refuses dates outside the supported range instead of looping', () => {
  const child = inChild(
    `const { datesBetween } = require('./dist/etl/dates');
     try { const d = datesBetween('9999-12-30', '9999-12-31'); console.log('returned ' + d.length); }
     catch (err) { console.log('threw ' + err.message); }`,
  );
  expect(child.error).toBeUndefined(); // a timeout (the loop running away) sets error
  expect(child.stdout).toMatch(/^threw from "9999-12-30" is outside the supported dates 1900-01-01 … 2199-12-31/);
  expect(() => datesBetween('2018-11-01', '+010000-01-01')).toThrow(/to "\+010000-01-01" is not a date in YYYY-MM-DD form/);
  expect(() => datesBetween('2018-02-30', '2018-03-01')).toThrow(/not a real calendar date/);
  expect(addDays(MAX_DATE, 1)).toBe('2200-01-01');
});

test('parseDate (every CLI date flag) rejects dates outside the supported range', () => {
  expect(parseDate('2018-11-01', '--date')).toBe('2018-11-01');
  expect(() => parseDate('9999-12-31', '--to')).toThrow(ConfigError);
  expect(() => parseDate('9999-12-31', '--to')).toThrow('--to: "9999-12-31" is outside the supported dates 1900-01-01 … 2199-12-31');
  expect(() => parseDate('0001-01-01', '--from')).toThrow(/outside the supported dates/);
});

test.each([
  [['run', '--date', '9999-12-31'], '--date'],
  [['run', '--from', '2018-11-01', '--to', '9999-12-31'], '--to'],
  [['backfill', '--from', '2018-11-01', '--to', '9999-12-31', '--dry-run'], '--to'],
])('sparkify %j exits 2 at once, naming the flag', (args, flag) => {
  const child = spawnSync(process.execPath, [BIN, ...args, '--source', '.', '--warehouse', 'duckdb::memory:'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: cliEnv,
  });
  expect(child.error).toBeUndefined();
  expect(child.stderr).toContain(`${flag}: "9999-12-31" is outside the supported dates`);
  expect(child.status).toBe(2);
});
