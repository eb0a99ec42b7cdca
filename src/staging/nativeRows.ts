import fs from 'node:fs';
import path from 'node:path';
import { EVENT_TIME_RANGE, type FieldSpec } from '../etl/records';
import type { CopyFlavour } from './copyText';

/**
 * The native row encoder (native/rows, built by scripts/native.sh when cargo is on PATH): the rows
 * jsonRowBytes.ts writes from a line's bytes, written by compiled code, a region of lines per call.
 * Without it (not built, or SPARKIFY_NATIVE_ROWS=0) staging writes them in JavaScript, with the
 * same bytes: test/unit/jsonRowBytes.test.ts compares the two.
 */
export interface NativeRows {
  /**
   * Rows of `region`'s lines from cursor [start, lineNo, outAt] on, each `prefix`, line number
   * and values, into `out`; moves the cursor. Returns ENCODED_ALL, GENERAL_PATH (the line at the
   * cursor needs the general path) or NEED_ROOM (cursor[3] bytes free in `out` for the next row).
   */
  encodeLines(config: Uint8Array, region: Uint8Array, prefix: Uint8Array, out: Uint8Array, cursor: Int32Array): number;
}

export const ENCODED_ALL = 0;
export const GENERAL_PATH = 1;
export const NEED_ROOM = 2;

/** The file name cargo gives the crate's cdylib on `platform`. */
export function nativeRowsFileName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'libsparkify_rows.dylib';
  if (platform === 'win32') return 'sparkify_rows.dll';
  return 'libsparkify_rows.so';
}

/** Where scripts/native.sh leaves the module (the same two levels up from src/staging and dist/staging). */
export const NATIVE_ROWS_FILE = path.resolve(__dirname, '..', '..', 'native', 'rows', 'target', 'release', nativeRowsFileName());

/** Loaded; or not, and why: `failed` when the module is there but did not load (worth a warning, unlike one not built or switched off). */
export type NativeRowsState = { loaded: true; rows: NativeRows } | { loaded: false; failed: boolean; why: string };

let state: NativeRowsState | undefined;

/** The native encoder, loaded once per thread, or why not. */
export function nativeRowsState(): NativeRowsState {
  state ??= loadNativeRows();
  return state;
}

/** The module at `file`, unless the switch is off. */
export function loadNativeRows(file = NATIVE_ROWS_FILE, env: NodeJS.ProcessEnv = process.env): NativeRowsState {
  if (env.SPARKIFY_NATIVE_ROWS === '0') return { loaded: false, failed: false, why: 'off (SPARKIFY_NATIVE_ROWS=0)' };
  if (!fs.existsSync(file)) return { loaded: false, failed: false, why: `not built (no ${path.relative(process.cwd(), file)}; scripts/native.sh builds it with cargo)` };
  const module = { exports: {} as Partial<NativeRows> };
  try {
    process.dlopen(module, file);
  } catch (err) {
    return { loaded: false, failed: true, why: `failed: ${file} did not load: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof module.exports.encodeLines !== 'function') return { loaded: false, failed: true, why: `failed: ${file} has no encodeLines` };
  return { loaded: true, rows: module.exports as NativeRows };
}

/** One line for reports: which encoder writes staging rows. */
export function rowEncoderName(): string {
  const s = nativeRowsState();
  return s.loaded ? 'native' : `JavaScript (native ${s.why})`;
}

const TYPE_CODE = { string: 0, integer: 1, number: 2 } as const;

/** The fields as native/rows/src/rows.rs (Fields::from_config) reads them, then EVENT_TIME_RANGE's bounds. */
export function fieldsConfig(fields: readonly FieldSpec[], flavour: CopyFlavour, userIdIndex: number): Uint8Array {
  const parts: number[] = [flavour === 'csv' ? 1 : 0, userIdIndex < 0 ? 255 : userIdIndex, fields.length];
  for (const f of fields) {
    const key = Buffer.from(f.key, 'utf8');
    if (key.length > 255 || fields.length > 255) throw new Error(`fieldsConfig: field "${f.key}" does not fit the native encoder's config`);
    parts.push(TYPE_CODE[f.type], (f.required ? 1 : 0) | (f.sqlType === 'INTEGER' ? 2 : 0) | (f.eventTime ? 4 : 0), key.length, ...key);
  }
  const bounds = Buffer.alloc(16);
  bounds.writeBigInt64LE(BigInt(EVENT_TIME_RANGE.min), 0);
  bounds.writeBigInt64LE(BigInt(EVENT_TIME_RANGE.max), 8);
  return Uint8Array.from([...parts, ...bounds]);
}
