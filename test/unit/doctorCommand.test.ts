/**
 * `sparkify doctor` in process, with nothing to reach: its exit codes, as its help and docs list
 * them (a bad setting exited 2, which the README's list left out).
 */
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
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
