import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { LocalSource } from '../src/source';
import { LOCAL_READERS, readLocalFilesAhead, type LocalReaderOptions } from '../src/source/localReaders';
import type { FileRead } from '../src/source/types';

/**
 * The local reader pool (src/source/localReaders.ts) gives each file exactly what LocalSource.readUpTo
 * gives it, in key order, whichever thread read it and however its batch was cut; it adds readers
 * only while reads are slow, takes keys only a few batches ahead, and stops its threads when the
 * consumer stops. Its threads are the built script: the integration tier builds dist/ first.
 */
let tmp: string;
let source: LocalSource;
const CAP = 40;
const keys: string[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-readers-'));
  const at = (key: string) => path.join(tmp, ...key.split('/'));
  fs.mkdirSync(at('song_data/A'), { recursive: true });
  // Files of every length around the cap, a directory, a named pipe, and a key whose file is gone.
  for (let i = 0; i < 120; i++) {
    const key = `song_data/A/TR${String(i).padStart(4, '0')}.json`;
    fs.writeFileSync(at(key), 'x'.repeat(i % (CAP + 3)) + String(i));
    keys.push(key);
  }
  fs.mkdirSync(at('song_data/A/TR0050.dir'));
  const fifo = spawnSync('mkfifo', [at('song_data/A/TR0070.fifo')]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
  keys.splice(50, 0, 'song_data/A/TR0050.dir');
  keys.splice(70, 0, 'song_data/A/TR0070.fifo');
  keys.splice(90, 0, 'song_data/A/TR0090.gone');
  source = new LocalSource(tmp);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What readUpTo gives a key, in the shape the pool yields. */
async function readUpTo(key: string): Promise<FileRead> {
  return source.readUpTo(key, CAP).then(
    (file) => ({ file }),
    (error: Error) => ({ error }),
  );
}

/** A read, comparable: the content as text, or the error's class, code and message. */
function comparable(read: FileRead) {
  if ('error' in read) return { error: read.error.constructor.name, name: read.error.name, code: (read.error as NodeJS.ErrnoException).code, message: read.error.message };
  return { content: read.file.content.toString('latin1'), bytes: read.file.bytes, overCap: read.file.overCap };
}

function filesOf(list: readonly string[]) {
  return list.map((key) => ({ key, path: source.filePath(key) }));
}

test('each file is read as readUpTo reads it, in order, over batches cut by their bytes and several readers', async () => {
  const started: Worker[] = [];
  // Every batch counts as slow (slowFileMs 0), so all three readers run; 7 files a batch, and a
  // reply after 100 bytes, so batches go back to their reader where they stopped.
  const options: LocalReaderOptions = { readers: 3, slowFileMs: 0, batchFiles: 7, batchBytes: 100, onReaderStarted: (w) => started.push(w) };
  const got: [string, ReturnType<typeof comparable>][] = [];
  for await (const [key, read] of readLocalFilesAhead(filesOf(keys), CAP, options)) got.push([key, comparable(read)]);
  const expected = await Promise.all(keys.map(async (key) => [key, comparable(await readUpTo(key))] as [string, ReturnType<typeof comparable>]));
  expect(got).toEqual(expected);
  expect(started).toHaveLength(3);
  // The kinds of reads the list holds: contents cut at the cap, and each error as readUpTo throws it.
  const byKey = new Map(got);
  expect(byKey.get('song_data/A/TR0041.json')).toMatchObject({ overCap: true, bytes: 43 });
  expect(byKey.get('song_data/A/TR0050.dir')).toMatchObject({ code: 'EISDIR', message: 'song_data/A/TR0050.dir is a directory, not a regular file' });
  expect(byKey.get('song_data/A/TR0070.fifo')).toMatchObject({ code: 'ENOTREG', message: 'song_data/A/TR0070.fifo is a named pipe (FIFO), not a regular file' });
  expect(byKey.get('song_data/A/TR0090.gone')).toMatchObject({ error: 'ListedFileGone', message: expect.stringContaining('TR0090.gone was listed by this run and is gone now (ENOENT)') });
});

test('more readers start only after batches read slower than slowFileMs a file', async () => {
  const count = async (slowFileMs: number) => {
    let readers = 0;
    let files = 0;
    for await (const entry of readLocalFilesAhead(filesOf(keys), CAP, { ...LOCAL_READERS, batchFiles: 5, slowFileMs, onReaderStarted: () => readers++ })) {
      if (entry) files++;
    }
    return { readers, files };
  };
  expect(await count(Number.POSITIVE_INFINITY)).toEqual({ readers: 1, files: keys.length });
  expect(await count(0)).toEqual({ readers: LOCAL_READERS.readers, files: keys.length });
});

test('keys are taken at most 2 × readers batches ahead of the consumer, and stopping early stops every reader', async () => {
  let taken = 0;
  async function* counted() {
    for (const file of filesOf(keys)) {
      taken++;
      yield file;
    }
  }
  const started: Worker[] = [];
  const exited: Promise<unknown>[] = [];
  const options: LocalReaderOptions = {
    readers: 2,
    slowFileMs: 0,
    batchFiles: 4,
    batchBytes: 1024,
    onReaderStarted: (w) => {
      started.push(w);
      exited.push(new Promise((resolve) => w.once('exit', resolve)));
    },
  };
  const reads = readLocalFilesAhead(counted(), CAP, options);
  const first = await reads.next();
  expect(first.value?.[0]).toBe(keys[0]);
  expect(taken).toBeLessThanOrEqual(2 * 2 * 4);
  await reads.return(undefined);
  expect(started.length).toBeGreaterThan(0);
  await Promise.all(exited);
});

test('the reads not yet yielded stay within 2 × readers × batchBytes, a reply in flight per reader, and the read in hand', async () => {
  let readBytes = 0;
  let yieldedBytes = 0;
  const options: LocalReaderOptions = {
    readers: 2,
    slowFileMs: 0,
    batchFiles: 16,
    batchBytes: 60,
    onReaderStarted: (w) => w.on('message', (reply: { data: ArrayBuffer }) => (readBytes += reply.data.byteLength)),
  };
  // The room, a reply in flight per reader (its budget and one file more), and the read in hand.
  const bound = 2 * options.readers * options.batchBytes + options.readers * (options.batchBytes + CAP) + CAP;
  let most = 0;
  for await (const [, read] of readLocalFilesAhead(filesOf(keys), CAP, options)) {
    // A slow consumer: the readers have every chance to run ahead while it waits.
    await new Promise((resolve) => setTimeout(resolve, 5));
    most = Math.max(most, readBytes - yieldedBytes);
    if ('file' in read) yieldedBytes += read.file.content.length;
  }
  expect(yieldedBytes).toBe(readBytes);
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(bound);
});
