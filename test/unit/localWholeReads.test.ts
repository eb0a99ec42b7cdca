import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalSource } from '../../src/source';
import { hasWholeReads } from '../../src/source/types';

/** LocalSource.readUpTo: a small file in one read, cut at the cap, and the same refusals as open(). */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-whole-'));
  fs.writeFileSync(path.join(dir, 'small.json'), '{"a":1}');
  fs.writeFileSync(path.join(dir, 'ten.json'), '0123456789');
  fs.writeFileSync(path.join(dir, 'empty.json'), '');
  fs.mkdirSync(path.join(dir, 'sub'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('reads whole files under the cap, cuts those over it and says so', async () => {
  const source = new LocalSource(dir);
  expect(hasWholeReads(source)).toBe(true);
  const small = await source.readUpTo('small.json', 100);
  expect({ text: small.content.toString(), bytes: small.bytes, overCap: small.overCap }).toEqual({ text: '{"a":1}', bytes: 7, overCap: false });
  const exact = await source.readUpTo('ten.json', 10);
  expect({ text: exact.content.toString(), overCap: exact.overCap }).toEqual({ text: '0123456789', overCap: false });
  const over = await source.readUpTo('ten.json', 4);
  expect({ text: over.content.toString(), bytes: over.bytes, overCap: over.overCap }).toEqual({ text: '0123', bytes: 10, overCap: true });
  const empty = await source.readUpTo('empty.json', 4);
  expect({ length: empty.content.length, overCap: empty.overCap }).toEqual({ length: 0, overCap: false });
});

test('refuses what open() refuses, without blocking on a named pipe', async () => {
  const source = new LocalSource(dir);
  await expect(source.readUpTo('pipe.json', 10)).rejects.toMatchObject({ code: 'ENOTREG' });
  await expect(source.readUpTo('sub', 10)).rejects.toMatchObject({ code: 'EISDIR' });
  await expect(source.readUpTo('missing.json', 10)).rejects.toMatchObject({ code: 'ENOENT' });
});
