import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLines } from '../../src/etl/lineReader';
import { ChunkLineSplitter, isLineRegion } from '../../src/staging/chunkLines';
import type { RawLine } from '../../src/staging/rawLines';
import { writeBadInputCorpus } from '../support/badInputCorpus';
import { seededRandom } from './support/seededRandom';

/**
 * The encoding thread's line splitter (src/staging/chunkLines.ts) decodes a chunk's complete
 * lines at once; its lines, line numbers, problems and batches must be exactly the line reader's.
 */
async function reader(chunks: Buffer[], maxLineBytes: number): Promise<RawLine[][]> {
  const out: RawLine[][] = [];
  async function* input() {
    yield* chunks;
  }
  for await (const batch of readLines(input(), { maxLineBytes, batchSize: 4 })) out.push(batch.map((l) => ({ sourceKey: 'k', ...l })));
  return out;
}

function splitter(chunks: Buffer[], maxLineBytes: number): RawLine[][] {
  const s = new ChunkLineSplitter('k', maxLineBytes);
  const out: RawLine[][] = [];
  for (const chunk of chunks) {
    s.push(chunk);
    if (s.lines.length >= 4) out.push(s.takeLines());
  }
  s.end();
  if (s.lines.length > 0) out.push(s.takeLines());
  return out;
}

const PIECES = ['{"a":1}', '{"b":"é€😀"}', '\n', '\r\n', '\r', ' ', '\t', '\v', '\f', '\0', 'x', '\u00a0', '\ufeff'].map((s) => Buffer.from(s, 'utf8'));
const BAD_BYTES = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xef, 0xbb, 0xbf])];

function randomInput(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = Math.floor(next() * 60);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.1) parts.push(BAD_BYTES[Math.floor(next() * BAD_BYTES.length)]);
    else if (r < 0.15) parts.push(Buffer.alloc(Math.floor(next() * 40), 'y'));
    else parts.push(PIECES[Math.floor(next() * PIECES.length)]);
  }
  return Buffer.concat(parts);
}

function chunked(bytes: Buffer, next: () => number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = next() < 0.2 ? 0 : 1 + Math.floor(next() * 50);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

test('random bytes in random chunks: the same lines and batches as the line reader', async () => {
  const next = seededRandom(20261130);
  let lines = 0;
  let problems = 0;
  for (let i = 0; i < 3000; i++) {
    const input = randomInput(next);
    const chunks = chunked(input, next);
    // A small cap, so lines over it, and chunks longer than it, both happen.
    const cap = 8 + Math.floor(next() * 40);
    const expected = await reader(chunks, cap);
    expect(splitter(chunks, cap)).toEqual(expected);
    for (const batch of expected) {
      lines += batch.length;
      problems += batch.filter((l) => l.problem !== null).length;
    }
  }
  // The inputs reached the cases that matter.
  expect(lines).toBeGreaterThan(10_000);
  expect(problems).toBeGreaterThan(1_000);
});

test('the bad-input corpus in 64 KiB chunks, as files are read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-lines-'));
  try {
    writeBadInputCorpus(dir);
    const logs = fs.readdirSync(path.join(dir, 'log_data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(logs.length).toBeGreaterThan(3);
    for (const entry of logs) {
      const bytes = fs.readFileSync(path.join(entry.parentPath, entry.name));
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
      expect(splitter(chunks, 1024 * 1024)).toEqual(await reader(chunks, 1024 * 1024));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Region mode's output as lines: each region's lines decoded, CR-trimmed, blank ones left out. */
function expanded(chunks: Buffer[], maxLineBytes: number): { lines: RawLine[]; counted: number } {
  const s = new ChunkLineSplitter('k', maxLineBytes, undefined, true);
  const lines: RawLine[] = [];
  let counted = 0;
  const take = () => {
    counted += s.pending;
    for (const item of s.takeItems()) {
      if (!isLineRegion(item)) {
        lines.push(item);
        continue;
      }
      const texts = item.bytes.toString('utf8').split('\n');
      expect(texts.length).toBe(item.lastLine - item.firstLine + 1);
      texts.forEach((t, i) => {
        const text = t.endsWith('\r') ? t.slice(0, -1) : t;
        if (!/^[ \t\r\v\f]*$/.test(text)) lines.push({ sourceKey: 'k', line: item.firstLine + i, text, problem: null });
      });
    }
  };
  for (const chunk of chunks) {
    s.push(chunk);
    take();
  }
  s.end();
  take();
  return { lines, counted };
}

test('region mode: the same lines, numbers and problems as the line reader, and counts them alike', async () => {
  const next = seededRandom(20261201);
  let regions = 0;
  for (let i = 0; i < 3000; i++) {
    const input = randomInput(next);
    const chunks = chunked(input, next);
    const cap = 8 + Math.floor(next() * 40);
    const expected = (await reader(chunks, cap)).flat();
    const got = expanded(chunks, cap);
    expect(got.lines).toEqual(expected);
    expect(got.counted).toBe(expected.length);
    const s = new ChunkLineSplitter('k', cap, undefined, true);
    for (const chunk of chunks) s.push(chunk);
    regions += s.lines.filter(isLineRegion).length;
  }
  // Regions happened (chunks holding whole lines that pass the checks), not only the line reader's way.
  expect(regions).toBeGreaterThan(100);
});
