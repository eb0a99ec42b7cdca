/**
 * `sparkify doctor` in process, with nothing to reach: its exit codes, as its help and docs list
 * them (a bad setting exited 2, which the README's list left out), and a summary line that says
 * "All checks passed" only when no check was skipped (with nothing configured it said so of 4 skipped).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { summaryLine, type CheckResult } from '../../src/doctor';
import { capturedOutput } from './support/capturedOutput';

const ENV_NAMES = ['SPARKIFY_SOURCE', 'SPARKIFY_WAREHOUSE', 'TEMPORAL_ADDRESS', 'AWS_REGION', 'AWS_PROFILE'];
const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const name of ENV_NAMES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
});
afterEach(() => {
  for (const name of ENV_NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
const output = capturedOutput();

const doctor = (...args: string[]) => main(['node', 'sparkify', 'doctor', ...args]);
const REPO = path.resolve(__dirname, '..', '..');

describe('exit codes', () => {
  test('a bad setting exits 2, naming it, before any check runs', async () => {
    expect(await doctor('--warehouse', 'bogus://x')).toBe(2);
    expect(output.stderr()).toBe('sparkify: --warehouse: "bogus://x" is not a warehouse URI; use duckdb:PATH, postgres://… or redshift-data://…\n');
    expect(output.stdout()).toBe('');
  });

  // The code was kept in a module variable that nothing reset: every later command in the process returned it.
  test("a doctor's code is its call's own: a later command in the same process exits with its own", async () => {
    const missing = path.join(os.tmpdir(), 'sparkify-doctor-no-such-source');
    expect(await doctor('--source', missing)).toBe(1);
    expect(await main(['node', 'sparkify', 'sql', '--warehouse', 'duckdb::memory:', 'SELECT 1 AS one'])).toBe(0);
    expect(await doctor()).toBe(0);
  });

  test('the help, the README and docs/infrastructure.md list every code: 0, 1, 3 and 2 for a bad setting', async () => {
    expect(await doctor('--help')).toBe(0);
    expect(output.stdout()).toContain('Exit codes: 0 every check that applies is ok, 1 at least one problem, 3 no problem found');
    expect(output.stdout()).toContain('2 a bad flag or setting');

    const readmeRow = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').split('\n').find((line) => line.startsWith('| `sparkify doctor'));
    expect(readmeRow).toContain('Exit 0 ok, 1 problems, 3 could not check, 2 a bad flag or setting');
    const infrastructure = fs.readFileSync(path.join(REPO, 'docs', 'infrastructure.md'), 'utf8');
    for (const code of ['0', '1', '2', '3']) expect(infrastructure).toMatch(new RegExp(`^\\| ${code} \\| `, 'm'));
  });
});

describe('the summary line', () => {
  const check = (status: CheckResult['status'], title: string): CheckResult => ({ id: title, title, status, detail: '' });

  test('says all checks passed only when none was skipped', () => {
    expect(summaryLine({ status: 'ok', checks: [check('ok', 'a'), check('ok', 'b')] })).toBe('All checks passed: 2 ok');
    expect(summaryLine({ status: 'ok', checks: [check('ok', 'a'), check('skipped', 'Temporal reachable')] })).toBe('No problems found: 1 ok, 1 skipped (Temporal reachable)');
    expect(summaryLine({ status: 'problems', checks: [check('skipped', 'c'), check('ok', 'a'), check('problem', 'b'), check('unchecked', 'd'), check('problem', 'e')] })).toBe(
      'Problems found: 2 problems, 1 unchecked, 1 ok, 1 skipped',
    );
    expect(summaryLine({ status: 'unchecked', checks: [check('unchecked', 'd'), check('ok', 'a')] })).toBe('Some checks could not run: 1 unchecked, 1 ok');
  });

  test('with nothing configured, says nothing was checked and what to give', async () => {
    expect(await doctor()).toBe(0);
    expect(output.stdout().trimEnd().split('\n').pop()).toBe(
      'Nothing was checked: 4 skipped (AWS credentials, source readable, Temporal reachable, warehouse); give --source, --warehouse or --temporal (or SPARKIFY_SOURCE, SPARKIFY_WAREHOUSE, TEMPORAL_ADDRESS)',
    );
  });

  test('with a DuckDB warehouse only, names the checks it skipped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-doctor-summary-'));
    try {
      expect(await doctor('--warehouse', `duckdb:${path.join(dir, 'wh.duckdb')}`)).toBe(0);
      expect(output.stdout().trimEnd().split('\n').pop()).toBe('No problems found: 3 ok, 3 skipped (AWS credentials, source readable, Temporal reachable)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
