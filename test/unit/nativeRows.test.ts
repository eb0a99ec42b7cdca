import { EVENT_FIELDS, EVENT_USER_ID_INDEX, SONG_FIELDS } from '../../src/etl/records';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRowEncoder } from '../../src/doctor/local';
import {
  ENCODED_ALL,
  fieldsConfig,
  GENERAL_PATH,
  loadNativeRows,
  NATIVE_ROWS_FILE,
  NEED_ROOM,
  nativeRowsState,
  rowEncoderName,
  type NativeRows,
} from '../../src/staging/nativeRows';
import { goodEvent } from '../support/badInputCorpus';
import { cargoOnPath } from '../support/cargo';

/**
 * The native row encoder's own contract (its rows are compared with the JavaScript ones in
 * jsonRowBytes.test.ts): it is built wherever cargo is, hands back the lines it is not sure of,
 * asks for room instead of writing past its buffer, and refuses arguments it cannot use.
 */
const hasCargo = cargoOnPath();

const state = nativeRowsState();

test('the native encoder is built and loaded wherever cargo is on PATH (npm run build builds it)', () => {
  if (!hasCargo) {
    expect(state.loaded).toBe(false);
    expect(rowEncoderName()).toMatch(/^JavaScript \(native not built/);
    return;
  }
  expect(state).toMatchObject({ loaded: true });
  expect(rowEncoderName()).toBe('native');
});

const rows = (): NativeRows => {
  if (!state.loaded) throw new Error(`the native encoder is not loaded: ${state.why}`);
  return state.rows;
};
const nativeTest = hasCargo ? test : test.skip;
const config = fieldsConfig(EVENT_FIELDS, 'text', EVENT_USER_ID_INDEX);
const line = (overrides: Record<string, unknown> = {}): string => JSON.stringify({ ...goodEvent(1), ...overrides });

nativeTest('a region: each row is the prefix, the line number and the values; blank lines are skipped but counted', () => {
  const region = Buffer.from([line({ userId: '7' }), '  ', line({ userId: '8', length: 1.5 })].join('\n'), 'utf8');
  const out = Buffer.alloc(64 * 1024);
  const cursor = Int32Array.from([0, 41, 0, 0]);
  expect(rows().encodeLines(config, region, Buffer.from('run\tkey\t'), out, cursor)).toBe(ENCODED_ALL);
  const written = out.toString('utf8', 0, cursor[2]).split('\n');
  expect(written).toHaveLength(3);
  expect(written[2]).toBe('');
  expect(written[0].startsWith('run\tkey\t41\t')).toBe(true);
  expect(written[1].startsWith('run\tkey\t43\t')).toBe(true);
  expect(written[0].split('\t').at(-1)).toBe('7');
  expect(written[1].split('\t')).toContain('1.5');
  expect(cursor[1]).toBe(43);
});

nativeTest('a line it is not sure of is handed back at its start, with its number; the rows before it are written', () => {
  const lines = [line(), line({ length: 0.5 }), line()];
  const region = Buffer.from(lines.join('\n'), 'utf8');
  const out = Buffer.alloc(64 * 1024);
  const cursor = Int32Array.from([0, 1, 0, 0]);
  expect(rows().encodeLines(config, region, Buffer.alloc(0), out, cursor)).toBe(GENERAL_PATH);
  // 0.5 is printed by JavaScript, not copied: the general path's.
  expect(cursor[0]).toBe(Buffer.byteLength(lines[0]) + 1);
  expect(cursor[1]).toBe(2);
  expect(out.toString('utf8', 0, cursor[2]).split('\n')).toHaveLength(2);
  cursor[0] += Buffer.byteLength(lines[1]) + 1;
  cursor[1]++;
  expect(rows().encodeLines(config, region, Buffer.alloc(0), out, cursor)).toBe(ENCODED_ALL);
  expect(out.toString('utf8', 0, cursor[2]).split('\n')).toHaveLength(3);
});

nativeTest('a row that does not fit asks for room and writes nothing', () => {
  const region = Buffer.from(line(), 'utf8');
  const out = Buffer.alloc(100);
  const cursor = Int32Array.from([0, 1, 10, 0]);
  expect(rows().encodeLines(config, region, Buffer.from('p\t'), out, cursor)).toBe(NEED_ROOM);
  expect(cursor[3]).toBeGreaterThan(region.length);
  expect(Array.from(cursor.subarray(0, 3))).toEqual([0, 1, 10]);
  expect(out.every((b) => b === 0)).toBe(true);
  const room = Buffer.alloc(cursor[3]);
  cursor[2] = 0;
  expect(rows().encodeLines(config, region, Buffer.from('p\t'), room, cursor)).toBe(ENCODED_ALL);
  expect(cursor[2]).toBeLessThanOrEqual(room.length);
});

nativeTest('arguments it cannot use are refused with what is wrong', () => {
  const out = Buffer.alloc(1024);
  const region = Buffer.from(line(), 'utf8');
  expect(() => rows().encodeLines(config, region, Buffer.alloc(0), out, Int32Array.from([region.length + 1, 1, 0, 0]))).toThrow(
    'encodeLines: cursor out of range',
  );
  expect(() => rows().encodeLines(config, region, Buffer.alloc(0), out, new Int32Array(3))).toThrow('encodeLines: cursor out of range');
  expect(() => rows().encodeLines(config.subarray(0, 10), region, Buffer.alloc(0), out, new Int32Array(4))).toThrow(
    'encodeLines: config does not describe fields',
  );
  const unknownType = Uint8Array.from(config);
  unknownType[3] = 7;
  expect(() => rows().encodeLines(unknownType, region, Buffer.alloc(0), out, new Int32Array(4))).toThrow('encodeLines: config does not describe fields');
  expect(() => rows().encodeLines(config, region, Buffer.alloc(0), region, new Int32Array(4))).toThrow('encodeLines: out must not share memory with region or prefix');
  expect(() => rows().encodeLines(config, region, Buffer.alloc(0), out, new Float64Array(4) as unknown as Int32Array)).toThrow(
    'encodeLines: cursor must be an Int32Array',
  );
});

test('the config names each field with its type, flags and key', () => {
  const songs = fieldsConfig(SONG_FIELDS, 'csv', -1);
  expect(Array.from(songs.subarray(0, 3))).toEqual([1, 255, SONG_FIELDS.length]);
  // num_songs: an integer (1), INTEGER (2), 9 bytes of key.
  expect(Array.from(songs.subarray(3, 6))).toEqual([1, 2, 9]);
  expect(Buffer.from(songs.subarray(6, 15)).toString()).toBe('num_songs');
  // artist_id: a string (0), required (1).
  expect(Array.from(songs.subarray(15, 18))).toEqual([0, 1, 9]);
  const events = fieldsConfig(EVENT_FIELDS, 'text', EVENT_USER_ID_INDEX);
  expect(Array.from(events.subarray(0, 3))).toEqual([0, EVENT_USER_ID_INDEX, EVENT_FIELDS.length]);
});

describe('loading, and what doctor says of it', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-native-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('switched off: JavaScript, and doctor says why', () => {
    const off = loadNativeRows(NATIVE_ROWS_FILE, { SPARKIFY_NATIVE_ROWS: '0' });
    expect(off).toEqual({ loaded: false, failed: false, why: 'off (SPARKIFY_NATIVE_ROWS=0)' });
    expect(checkRowEncoder(off)).toMatchObject({ status: 'ok', detail: 'JavaScript: native off (SPARKIFY_NATIVE_ROWS=0); staging is slower, its rows the same' });
  });

  test('not built: JavaScript, not a problem', () => {
    const missing = loadNativeRows(path.join(dir, 'none.so'), {});
    expect(missing).toMatchObject({ loaded: false, failed: false, why: expect.stringMatching(/^not built \(no .*none\.so; scripts\/native\.sh builds it with cargo\)$/) });
    expect(checkRowEncoder(missing).status).toBe('ok');
  });

  test("a file that does not load: a problem, with the loader's reason and the fix", () => {
    const broken = path.join(dir, 'broken.so');
    fs.writeFileSync(broken, 'not a shared object');
    const failed = loadNativeRows(broken, {});
    expect(failed).toMatchObject({ loaded: false, failed: true, why: expect.stringContaining(`failed: ${broken} did not load: `) });
    expect(checkRowEncoder(failed)).toMatchObject({ status: 'problem', fix: expect.stringContaining('bash scripts/native.sh') });
  });
});
