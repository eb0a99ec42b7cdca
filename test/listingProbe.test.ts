import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { atMostEvery, dropUnreadable, probeObject } from '../src/activities/listing';
import type { SkippedFile } from '../src/etl/types';
import { LocalSource, S3Source, type Source, type SourceObject } from '../src/source';
import { mapConcurrent } from '../src/source/concurrent';
import { createS3Client } from '../src/source/s3Client';
import { freePort } from '../src/util/ports';
import { startS3, type S3Server } from './harness/s3';

/**
 * The listing's probes read a few first bytes of each file (not a stream of it), many at a time,
 * and still skip what cannot be read, is empty or holds compressed content, with the reason.
 */

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-probe-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Resolves once `condition` holds, checked whenever `changed` is called. */
function when(condition: () => boolean): { changed: () => void; reached: Promise<void> } {
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  const changed = () => {
    if (condition()) resolve();
  };
  return { changed, reached };
}

describe('bounded concurrency', () => {
  /** A call per item that stays open until `limit` calls are open at once (or every item has started). */
  function gatedCalls(items: number, limit: number) {
    let open = 0;
    let started = 0;
    let mostOpen = 0;
    const gate = when(() => open >= limit || started === items);
    const call = async (item: number) => {
      open++;
      started++;
      mostOpen = Math.max(mostOpen, open);
      gate.changed();
      await gate.reached;
      open--;
      return item * 10;
    };
    return { call, mostOpen: () => mostOpen };
  }

  test('mapConcurrent keeps `limit` calls in flight, returns results in order, and starts none after a failure', async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const { call, mostOpen } = gatedCalls(items.length, 5);
    expect(await mapConcurrent(items, 5, call)).toEqual(items.map((i) => i * 10));
    expect(mostOpen()).toBe(5);

    const started: number[] = [];
    const failing = async (i: number) => {
      started.push(i);
      if (i === 0) throw new Error('first failed');
      return i;
    };
    await expect(mapConcurrent(items, 1, failing)).rejects.toThrow('first failed');
    expect(started).toEqual([0]);
  });

  test('atMostEvery reports the first call, then once per interval', () => {
    let clock = 0;
    const reported: number[] = [];
    const report = atMostEvery(100, (n: number) => reported.push(n), () => clock);
    for (let n = 1; n <= 10; n++) {
      report(n);
      clock += 30;
    }
    // Calls at 0, 30, …, 270 ms: reported at 0, 120 and 240.
    expect(reported).toEqual([1, 5, 9]);
  });
});

describe('LocalSource.readHead', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(tmp, 'local');
    fs.mkdirSync(path.join(dir, 'd', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'd', 'long.json'), '{"song_id":"S1","title":"a long enough song file"}');
    fs.writeFileSync(path.join(dir, 'd', 'short.json'), '{}');
    fs.writeFileSync(path.join(dir, 'd', 'empty.json'), '');
    const made = spawnSync('mkfifo', [path.join(dir, 'd', 'pipe.json')], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  });

  test('reads up to the bytes asked for; refuses what is not a regular file, naming why, without blocking', async () => {
    const source = new LocalSource(dir);
    expect((await source.readHead('d/long.json', 6)).toString()).toBe('{"song');
    expect((await source.readHead('d/short.json', 6)).toString()).toBe('{}');
    expect((await source.readHead('d/empty.json', 6)).length).toBe(0);
    // A cap of megabytes reads a small file whole (sized by the file, not the cap).
    const whole = fs.readFileSync(path.join(dir, 'd', 'long.json'));
    expect(await source.readHead('d/long.json', 4 * 1024 * 1024)).toEqual(whole);
    expect(await source.readHead('d/long.json', whole.length)).toEqual(whole);
    expect(await source.readHead('d/long.json', whole.length - 1)).toEqual(whole.subarray(0, whole.length - 1));
    await expect(source.readHead('d/sub', 6)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(source.readHead('d/pipe.json', 6)).rejects.toMatchObject({ code: 'ENOTREG', message: 'd/pipe.json is a named pipe (FIFO), not a regular file' });
    await expect(source.readHead('d/missing.json', 6)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('lists a tree of many folders completely and in key order', async () => {
    const tree = path.join(tmp, 'tree');
    const keys: string[] = [];
    for (const a of 'ABC') for (const b of 'XYZ') for (const c of '0123') {
      const key = `song_data/${a}/${b}/${c}/TR${a}${b}${c}.json`;
      fs.mkdirSync(path.join(tree, 'song_data', a, b, c), { recursive: true });
      fs.writeFileSync(path.join(tree, ...key.split('/')), '{}');
      keys.push(key);
    }
    fs.writeFileSync(path.join(tree, 'song_data', 'B', 'top.json'), '{}');
    keys.push('song_data/B/top.json');
    const listed: SourceObject[] = [];
    for await (const obj of new LocalSource(tree).list('song_data/')) listed.push(obj);
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    expect(listed.every((o) => o.size === 2 && o.skip === undefined)).toBe(true);
    // The prefix's last segment filters names.
    const underB: string[] = [];
    for await (const obj of new LocalSource(tree).list('song_data/B/Y')) underB.push(obj.key);
    expect(underB).toEqual(keys.filter((k) => k.startsWith('song_data/B/Y')).sort());
  });
});

describe('probing many files', () => {
  /** Forwards to a source and counts the first-bytes reads open at once, holding each until `limit` are open. */
  function counting(source: Source, files: number, limit: number): { source: Source; mostOpen: () => number } {
    let open = 0;
    let started = 0;
    let mostOpen = 0;
    const gate = when(() => open >= limit || started === files);
    const wrapped: Source = {
      description: source.description,
      smallReadConcurrency: source.smallReadConcurrency,
      list: (prefix) => source.list(prefix),
      open: (key) => source.open(key),
      async readHead(key, bytes) {
        open++;
        started++;
        mostOpen = Math.max(mostOpen, open);
        gate.changed();
        await gate.reached;
        try {
          return await source.readHead(key, bytes);
        } finally {
          open--;
        }
      },
    };
    return { source: wrapped, mostOpen: () => mostOpen };
  }

  test('dropUnreadable probes as many files at once as the source asks for, and skips the bad ones with reasons', async () => {
    const dir = path.join(tmp, 'many');
    const files: SourceObject[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `song_data/A/B/C/TR${String(i).padStart(6, '0')}.json`;
      fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
      const content = i === 17 ? gzipSync('{"song_id":"S"}') : i === 42 ? '' : '{"song_id":"S"}';
      fs.writeFileSync(path.join(dir, key), content);
      files.push({ key, etag: 'e', size: 15 });
    }
    const local = new LocalSource(dir);
    expect(local.smallReadConcurrency).toBeGreaterThan(8);
    const { source, mostOpen } = counting(local, files.length, local.smallReadConcurrency);
    const skipped: SkippedFile[] = [];
    let lastProgress = 0;
    const readable = await dropUnreadable(source, files, skipped, (n) => (lastProgress = n));
    expect(mostOpen()).toBe(local.smallReadConcurrency);
    expect(lastProgress).toBe(200);
    expect(readable).toHaveLength(198);
    expect(skipped.map((s) => [s.sourceKey, s.reason])).toEqual([
      [files[17].key, 'gzip-compressed content in a .json file: the pipeline reads plain JSON only'],
      [files[42].key, 'empty file (0 bytes)'],
    ]);
  });
});

describe('S3Source.readHead (loopback S3)', () => {
  let s3: S3Server;
  let source: S3Source;
  const bucket = 'probe';
  const big = 'x'.repeat(1_000_000);
  beforeAll(async () => {
    s3 = await startS3();
    const client = s3.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: bucket, Key: `root/${key}`, Body: body }));
    await put('song_data/A/B/C/TRBIG.json', `{"song_id":"S1"}${big}`);
    await put('song_data/A/B/C/TRSHORT.json', '{}');
    await put('song_data/A/B/C/TREMPTY.json', Buffer.alloc(0));
    await put('song_data/A/B/C/TRGZIP.json', gzipSync('{"song_id":"S1"}'));
    source = new S3Source(client, bucket, 'root/');
  });
  afterAll(async () => s3?.stop());

  test('asks S3 for a byte range: the first bytes of a large object, all of a short one, none of an empty one', async () => {
    // A client of its own that notes the Range header of every request it sends.
    const client = createS3Client(s3.settings);
    const ranges: (string | undefined)[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        ranges.push(request.headers?.range ?? request.headers?.Range);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'noteRange' },
    );
    const noted = new S3Source(client, bucket, 'root/');
    try {
      expect((await noted.readHead('song_data/A/B/C/TRBIG.json', 6)).toString()).toBe('{"song');
      expect((await noted.readHead('song_data/A/B/C/TRSHORT.json', 6)).toString()).toBe('{}');
      expect((await noted.readHead('song_data/A/B/C/TREMPTY.json', 6)).length).toBe(0);
    } finally {
      client.destroy();
    }
    expect(ranges).toEqual(['bytes=0-5', 'bytes=0-5', 'bytes=0-5']);
  });

  test('probeObject on S3: compressed content and empty objects are skipped with reasons, a missing key is unreadable', async () => {
    expect(await probeObject(source, 'song_data/A/B/C/TRBIG.json')).toBeNull();
    expect(await probeObject(source, 'song_data/A/B/C/TRGZIP.json')).toBe('gzip-compressed content in a .json file: the pipeline reads plain JSON only');
    expect(await probeObject(source, 'song_data/A/B/C/TREMPTY.json')).toBe('empty file (0 bytes)');
    expect(await probeObject(source, 'song_data/A/B/C/TRGONE.json')).toBe('unreadable (NoSuchKey)');
  });

  test('an S3 error that may pass (nothing answers at the endpoint) is thrown for a retry, not turned into a skip', async () => {
    const port = await freePort();
    const client = createS3Client({ ...s3.settings, endpoint: `http://127.0.0.1:${port}` });
    try {
      const down = new S3Source(client, bucket, 'root/');
      await expect(probeObject(down, 'song_data/A/B/C/TRBIG.json')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      client.destroy();
    }
  });
});
