import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listSource } from '../../src/activities/listing';
import { ConfigError, NON_RETRYABLE_ERROR_TYPES } from '../../src/errors';
import { LocalSource } from '../../src/source';

/**
 * A local source whose root is missing (a mistyped --source) or is a file fails its listing,
 * naming the directory, with a type no retry helps; below an existing root, a missing directory
 * (no log for that month yet) is an empty listing as before.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-root-'));
  fs.mkdirSync(path.join(dir, 'data', 'song_data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'file'), '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function listAll(source: LocalSource, prefix: string): Promise<string[]> {
  const keys = [];
  for await (const obj of source.list(prefix)) keys.push(obj.key);
  return keys;
}

test('a missing source root fails the listing, naming the directory, non-retryably', async () => {
  const root = path.join(dir, 'no-such-dir');
  const listing = listAll(new LocalSource(root), 'log_data/2018/11/');
  await expect(listing).rejects.toThrow(ConfigError);
  await expect(listing).rejects.toThrow(`source directory ${root} does not exist`);
  expect(NON_RETRYABLE_ERROR_TYPES).toContain(new ConfigError('').name);
});

test('a source root that is a file fails the listing, saying so', async () => {
  await expect(listAll(new LocalSource(path.join(dir, 'file')), '')).rejects.toThrow(`source ${path.join(dir, 'file')} is not a directory`);
});

test("a run's listing under a missing root fails; under an existing root without log_data it is empty", async () => {
  const window = { from: '2018-11-04', to: '2018-11-04' };
  await expect(listSource(new LocalSource(path.join(dir, 'no-such-dir')), window, () => undefined)).rejects.toThrow(/does not exist/);
  await expect(listAll(new LocalSource(path.join(dir, 'data')), 'log_data/2018/11/')).resolves.toEqual([]);
  const listing = await listSource(new LocalSource(path.join(dir, 'data')), window, () => undefined);
  expect(listing).toMatchObject({ events: [], songs: [] });
});
