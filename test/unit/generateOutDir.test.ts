/**
 * `sparkify generate --out DIR` into a directory that held a data set wrote the new one beside it:
 * files of the same name were overwritten, the old set's other days and songs stayed. Now a
 * directory that is not empty is refused. Nothing is deleted for the user: a log_data/ there may
 * be real data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { capturedOutput } from './support/capturedOutput';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-generate-out-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const output = capturedOutput();

const SMALL = ['--users', '40', '--songs', '4'];
const generate = (out: string, ...args: string[]) => main(['node', 'sparkify', 'generate', '--out', out, ...SMALL, ...args]);

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}
const logFiles = (root: string) => filesUnder(root).filter((f) => f.startsWith('log_data'));

test('a new or empty directory is written to', async () => {
  expect(await generate(path.join(dir, 'new'), '--days', '2')).toBe(0);
  expect(logFiles(path.join(dir, 'new'))).toEqual(['log_data/2018/11/2018-11-01-events.json', 'log_data/2018/11/2018-11-02-events.json']);
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  expect(await generate(empty, '--days', '1')).toBe(0);
  expect(logFiles(empty)).toEqual(['log_data/2018/11/2018-11-01-events.json']);
});

test('a directory holding a data set is refused, and left as it was', async () => {
  expect(await generate(dir, '--days', '2')).toBe(0);
  const before = filesUnder(dir);
  expect(await generate(dir, '--days', '1', '--start-date', '2018-12-01', '--seed', '7')).toBe(2);
  expect(output.stderr()).toBe(
    `sparkify: --out ${dir} is not empty (it holds log_data, song_data): a new data set would mix with what is there. ` +
      'Give a new or empty directory (to replace an old generated set, delete it first)\n',
  );
  expect(filesUnder(dir)).toEqual(before);
});

test('a file given as --out is refused', async () => {
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  expect(await generate(file)).toBe(2);
  expect(output.stderr()).toBe(`sparkify: --out ${file} is a file: give a directory for the data set\n`);
});
