/**
 * Redshift's `COPY <table> FROM 's3://…' FORMAT JSON …`, executed against the loopback S3 server:
 * objects are read and converted here, good rows go to PostgreSQL with COPY FROM STDIN.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CoerceOptions, coerce, ColumnInfo, columnLength, copyTextField, keepNumberText, LOAD_ERROR, TimeFormat } from './coerce';
import { identifierValue, isSignificant, quoteIdent, SqlSyntaxError, stringValue, Token, upper } from './sqlLexer';
import { StatementError, UnsupportedSqlError } from './translate';

export type JsonMapping = { kind: 'auto'; ignoreCase: boolean } | { kind: 'jsonpaths'; url: string };

export interface CopyCommand {
  schema?: string;
  table: string;
  columns?: string[];
  source: string;
  manifest: boolean;
  json: JsonMapping;
  options: CoerceOptions;
  maxError: number;
}

export interface LoadError {
  fileName: string;
  lineNumber: number;
  columnName: string;
  columnType: string;
  columnLength: string;
  position: number;
  rawLine: string;
  rawFieldValue: string;
  errorCode: number;
  errorMessage: string;
}

/** What the load-commit views say about one file of a COPY. */
export interface LoadedFile {
  fileName: string;
  bytesScanned: number;
  /** Lines of the file scanned; one record per line for newline-delimited JSON. */
  linesScanned: number;
  errors: number;
  etag: string;
  startTime: Date;
  endTime: Date;
}

export interface CopyContext {
  s3: S3Client;
  /** Stores load errors outside the COPY's transaction, so they survive its failure (as in Redshift). */
  recordLoadErrors(table: { oid: number }, errors: LoadError[]): Promise<void>;
  /** Records each loaded file (STL_LOAD_COMMITS / SYS_LOAD_DETAIL) inside the COPY's transaction: gone if it rolls back. */
  recordLoadCommits(files: LoadedFile[]): Promise<void>;
  throwIfCancelled(): void;
}

const unsupported = (what: string): never => {
  throw new UnsupportedSqlError(`COPY ${what} is not supported by the Redshift emulator`);
};

/** Parses the Redshift COPY syntax the project uses; anything else is rejected by name. */
export function parseCopy(tokens: Token[]): CopyCommand {
  const sig = tokens.filter(isSignificant);
  let p = 1;
  const expectString = (what: string): string => {
    const t = sig[p];
    if (t === undefined || (t.kind !== 'string' && t.kind !== 'dollar')) throw new SqlSyntaxError(`COPY: ${what} must be a quoted string`);
    p++;
    return stringValue(t);
  };
  const skipAs = (): void => {
    if (upper(sig[p]) === 'AS') p++;
  };

  const nameParts = [identifierValue(sig[p++])];
  while (sig[p]?.text === '.') {
    nameParts.push(identifierValue(sig[p + 1]));
    p += 2;
  }
  let columns: string[] | undefined;
  if (sig[p]?.text === '(') {
    columns = [];
    p++;
    while (sig[p] !== undefined && sig[p].text !== ')') {
      if (sig[p].text !== ',') columns.push(identifierValue(sig[p]));
      p++;
    }
    p++;
  }
  if (upper(sig[p]) !== 'FROM') {
    if (upper(sig[p]) === 'TO') unsupported('TO (PostgreSQL export)');
    throw new SqlSyntaxError('COPY: expected FROM');
  }
  p++;
  if (sig[p]?.kind !== 'string') unsupported(`FROM ${sig[p]?.text ?? ''} (only FROM 's3://…')`);
  const source = expectString('the source');
  if (!source.startsWith('s3://')) unsupported(`FROM '${source}' (only s3:// sources)`);

  const command: CopyCommand = {
    schema: nameParts.length > 1 ? nameParts[0] : undefined,
    table: nameParts[nameParts.length - 1],
    columns,
    source,
    manifest: false,
    json: { kind: 'auto', ignoreCase: false },
    options: { timeformat: 'default', emptyAsNull: false, blanksAsNull: false, truncateColumns: false },
    maxError: 0,
  };
  let sawJson = false;
  let sawAuth = false;
  const readJsonOption = (): void => {
    sawJson = true;
    skipAs();
    if (sig[p]?.kind !== 'string') return;
    const option = expectString('the JSON option');
    if (option.startsWith('s3://')) command.json = { kind: 'jsonpaths', url: option };
    else if (option.toLowerCase() === 'auto') command.json = { kind: 'auto', ignoreCase: false };
    else if (option.toLowerCase() === 'auto ignorecase') command.json = { kind: 'auto', ignoreCase: true };
    else if (option.toLowerCase() === 'noshred') unsupported("JSON 'noshred' (SUPER)");
    else throw new SqlSyntaxError(`COPY: invalid JSON option '${option}'`);
  };

  while (p < sig.length) {
    const word = upper(sig[p]);
    p++;
    switch (word) {
      case 'IAM_ROLE':
        sawAuth = true;
        if (upper(sig[p]) === 'DEFAULT') p++;
        else expectString('IAM_ROLE');
        break;
      case 'CREDENTIALS':
      case 'ACCESS_KEY_ID':
      case 'SECRET_ACCESS_KEY':
      case 'SESSION_TOKEN':
        sawAuth = true;
        skipAs();
        expectString(word);
        break;
      case 'FORMAT':
        skipAs();
        if (upper(sig[p]) !== 'JSON') unsupported(`FORMAT ${sig[p]?.text ?? ''}`);
        p++;
        readJsonOption();
        break;
      case 'JSON':
        readJsonOption();
        break;
      case 'MANIFEST':
        command.manifest = true;
        break;
      case 'REGION':
        skipAs();
        expectString('REGION');
        break;
      case 'TIMEFORMAT': {
        skipAs();
        const format = expectString('TIMEFORMAT').toLowerCase();
        const known: Record<string, TimeFormat> = {
          auto: 'auto',
          epochsecs: 'epochsecs',
          epochmillisecs: 'epochmillisecs',
          'yyyy-mm-dd hh:mi:ss': 'default',
          'yyyy-mm-dd hh24:mi:ss': 'default',
        };
        if (known[format] === undefined) unsupported(`TIMEFORMAT '${format}'`);
        command.options.timeformat = known[format];
        break;
      }
      case 'DATEFORMAT': {
        skipAs();
        const format = expectString('DATEFORMAT').toLowerCase();
        if (format !== 'auto' && format !== 'yyyy-mm-dd') unsupported(`DATEFORMAT '${format}'`);
        break;
      }
      case 'EMPTYASNULL':
        command.options.emptyAsNull = true;
        break;
      case 'BLANKSASNULL':
        command.options.blanksAsNull = true;
        break;
      case 'TRUNCATECOLUMNS':
        command.options.truncateColumns = true;
        break;
      case 'MAXERROR': {
        skipAs();
        const t = sig[p++];
        if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) throw new SqlSyntaxError('COPY: MAXERROR needs a whole number');
        command.maxError = Number(t.text);
        break;
      }
      case 'ACCEPTINVCHARS':
        command.options.acceptInvChars = '?';
        if (upper(sig[p]) === 'AS' || sig[p]?.kind === 'string') {
          skipAs();
          command.options.acceptInvChars = expectString('ACCEPTINVCHARS');
        }
        break;
      case 'COMPUPDATE':
      case 'STATUPDATE':
        if (['ON', 'OFF', 'TRUE', 'FALSE', 'PRESET'].includes(upper(sig[p]))) p++;
        break;
      default:
        unsupported(`option ${sig[p - 1].text}`);
    }
  }
  if (!sawJson) unsupported('without FORMAT JSON (delimited text, CSV, Parquet, …)');
  if (!sawAuth) throw new SqlSyntaxError('COPY: missing IAM_ROLE (or CREDENTIALS); the emulator doesn\'t check it, Redshift requires it');
  return command;
}

function splitS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (m === null) throw new StatementError(`invalid S3 URL '${url}'`);
  return { bucket: m[1], key: m[2] };
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** First byte of a UTF-8 sequence → its length and the smallest code point it may encode. */
function sequenceOf(byte: number): [number, number] | undefined {
  if (byte >= 0xc2 && byte <= 0xdf) return [2, 0x80];
  if (byte >= 0xe0 && byte <= 0xef) return [3, 0x800];
  if (byte >= 0xf0 && byte <= 0xf4) return [4, 0x10000];
  return undefined;
}

/**
 * Decodes UTF-8 keeping every invalid byte visible as a lone surrogate U+DC80–U+DCFF (which no
 * valid UTF-8 decodes to), so a value holding one can fail as Redshift's COPY fails it, instead
 * of being silently replaced by U+FFFD.
 */
export function decodeUtf8KeepingInvalid(bytes: Uint8Array): string {
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    // Fall through to the byte-by-byte walk.
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const seq = sequenceOf(b);
    let cp = -1;
    if (seq !== undefined && i + seq[0] <= bytes.length) {
      cp = b & (0xff >> (seq[0] + 1));
      for (let k = 1; k < seq[0]; k++) {
        const c = bytes[i + k];
        if ((c & 0xc0) !== 0x80) {
          cp = -1;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < seq[1] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = -1;
    }
    if (cp === -1) {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    } else {
      out += String.fromCodePoint(cp);
      i += seq![0];
    }
  }
  return out;
}

async function getObjectText(s3: S3Client, url: string): Promise<string | undefined> {
  return (await getObject(s3, url))?.text;
}

async function getObject(s3: S3Client, url: string): Promise<{ text: string; bytes: number; etag: string } | undefined> {
  const { bucket, key } = splitS3Url(url);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await out.Body!.transformToByteArray();
    return { text: decodeUtf8KeepingInvalid(bytes), bytes: bytes.length, etag: (out.ETag ?? '').replace(/"/g, '') };
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function listFiles(s3: S3Client, command: CopyCommand): Promise<string[]> {
  if (command.manifest) {
    const text = await getObjectText(s3, command.source);
    if (text === undefined) throw new StatementError(`Manifest file ${command.source} does not exist`);
    let manifest: { entries?: Array<{ url?: string; mandatory?: boolean }> };
    try {
      manifest = JSON.parse(text) as typeof manifest;
    } catch (err) {
      throw new StatementError(`Manifest file ${command.source} is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(manifest.entries)) throw new StatementError(`Manifest file ${command.source} has no "entries" array`);
    return manifest.entries.map((e) => {
      if (typeof e.url !== 'string' || !e.url.startsWith('s3://')) throw new StatementError(`Manifest entry without an s3:// url in ${command.source}`);
      return e.mandatory === true ? `!${e.url}` : e.url;
    });
  }
  const { bucket, key } = splitS3Url(command.source);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined && !o.Key.endsWith('/')) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  if (keys.length === 0) throw new StatementError(`The specified S3 prefix '${key}' does not exist`);
  return keys.sort().map((k) => `s3://${bucket}/${k}`);
}

type PathSegment = string | number;

/** `$['a']`, `$["a"]`, `$.a`, `$.a[0]`, `$['a']['b']` → segments. */
export function parseJsonPath(expr: string): PathSegment[] {
  const bad = (): never => {
    throw new StatementError(`Invalid JSONPath format: ${expr}`);
  };
  if (!expr.startsWith('$')) bad();
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < expr.length) {
    if (expr[i] === '.') {
      const m = /^[^.[\]]+/.exec(expr.slice(i + 1));
      if (m === null) bad();
      segments.push(m![0]);
      i += 1 + m![0].length;
    } else if (expr[i] === '[') {
      const m = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\d+))\s*\]/.exec(expr.slice(i));
      if (m === null) bad();
      segments.push(m![3] !== undefined ? Number(m![3]) : (m![1] ?? m![2]));
      i += m![0].length;
    } else bad();
  }
  if (segments.length === 0) bad();
  return segments;
}

function extract(record: unknown, path: PathSegment[]): unknown {
  let current = record;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

interface SourceRecord {
  line: number;
  text: string;
  value?: Record<string, unknown>;
  error?: string;
}

/** Redshift's limit on one JSON object or array of a COPY source, braces included. */
export const MAX_JSON_OBJECT_BYTES = 4 * 1024 * 1024;

/** Splits an object's text into JSON objects (newline-separated or concatenated), tracking line numbers. */
export function* scanRecords(text: string): Generator<SourceRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
    if (i >= n) break;
    const start = i;
    if (text[i] !== '{' && text[i] !== '[') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      yield { line, text: text.slice(start, stop), error: 'Invalid JSON object: a record must start with { or [' };
      i = stop;
      continue;
    }
    let depth = 0;
    let inString = false;
    let lines = 0;
    for (; i < n; i++) {
      const c = text[i];
      if (c === '\n') lines++;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    const recordText = text.slice(start, i);
    let value: Record<string, unknown> | undefined;
    let error = depth !== 0 ? 'Invalid JSON object: unexpected end of input' : undefined;
    // "The maximum size of a single JSON object or array, including braces or brackets, is 4 MB"
    // (COPY from JSON format): a larger one is a load error, so COPY fails unless MAXERROR allows it.
    if (error === undefined && recordText.length * 3 > MAX_JSON_OBJECT_BYTES && Buffer.byteLength(recordText, 'utf8') > MAX_JSON_OBJECT_BYTES) {
      error = `The total size of the json object exceeds the max limit of ${MAX_JSON_OBJECT_BYTES} bytes`;
    }
    if (error === undefined) {
      try {
        value = JSON.parse(recordText, keepNumberText as (key: string, value: unknown) => unknown) as Record<string, unknown>;
      } catch (err) {
        error = `Invalid JSON object: ${(err as Error).message}`;
      }
    }
    if (error !== undefined && lines > 0) {
      // A broken record that ran into the following lines (a truncated line, say): blame only its
      // first line and resume after it, so the records on the next lines still load.
      const end = text.indexOf('\n', start);
      const firstLine = text.slice(start, end);
      let reason = error;
      try {
        JSON.parse(firstLine);
      } catch (err) {
        reason = `Invalid JSON object: ${(err as Error).message}`;
      }
      yield { line, text: firstLine, error: reason };
      i = end;
      continue;
    }
    // Redshift reports the last line of a JSON object.
    line += lines;
    yield value === undefined ? { line, text: recordText, error } : { line, text: recordText, value };
  }
}

async function loadTarget(client: ClientBase, command: CopyCommand): Promise<{ oid: number; label: string; columns: ColumnInfo[] }> {
  const qualified = command.schema === undefined ? quoteIdent(command.table) : `${quoteIdent(command.schema)}.${quoteIdent(command.table)}`;
  const rel = await client.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int AS oid', [qualified]);
  const oid = rel.rows[0].oid;
  if (oid === null) throw new StatementError(`relation "${command.schema === undefined ? '' : `${command.schema}.`}${command.table}" does not exist`);
  const cols = await client.query<{ name: string; typname: string; typmod: number; notnull: boolean; identity: boolean }>(
    `SELECT a.attname AS name, t.typname, a.atttypmod AS typmod, a.attnotnull AS notnull, a.attidentity <> '' AS identity
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const all = cols.rows.map((r) => ({ name: r.name, typname: r.typname, typmod: r.typmod, notNull: r.notnull, identity: r.identity }));
  let columns: ColumnInfo[];
  if (command.columns === undefined) {
    // Redshift skips IDENTITY columns unless EXPLICIT_IDS.
    columns = all.filter((c) => !c.identity);
  } else {
    columns = command.columns.map((name) => {
      const col = all.find((c) => c.name === name);
      if (col === undefined) throw new StatementError(`column "${name}" of relation "${command.table}" does not exist`);
      return col;
    });
  }
  return { oid, label: command.table, columns };
}

function truncate(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/** Runs the COPY on `client` (inside the caller's transaction). Returns the number of rows loaded. */
export async function executeCopy(client: ClientBase, command: CopyCommand, ctx: CopyContext): Promise<number> {
  const target = await loadTarget(client, command);

  let paths: PathSegment[][] | undefined;
  if (command.json.kind === 'jsonpaths') {
    const text = await getObjectText(ctx.s3, command.json.url);
    if (text === undefined) throw new StatementError(`JSONPath file ${command.json.url} does not exist`);
    let parsed: { jsonpaths?: unknown };
    try {
      parsed = JSON.parse(text) as { jsonpaths?: unknown };
    } catch (err) {
      throw new StatementError(`Invalid JSONPath file ${command.json.url}: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed.jsonpaths) || !parsed.jsonpaths.every((x) => typeof x === 'string')) {
      throw new StatementError(`Invalid JSONPath file ${command.json.url}: expected {"jsonpaths": [strings]}`);
    }
    paths = (parsed.jsonpaths as string[]).map(parseJsonPath);
    if (paths.length !== target.columns.length) {
      throw new StatementError(
        `Number of jsonpaths and the number of columns should match. JSONPath size: ${paths.length}, Number of columns in table or column list: ${target.columns.length}`,
      );
    }
  }
  const ignoreCase = command.json.kind === 'auto' && command.json.ignoreCase;
  const valueOf = (record: Record<string, unknown>, index: number): unknown => {
    if (paths !== undefined) return extract(record, paths[index]);
    const name = target.columns[index].name;
    if (!ignoreCase) return record[name];
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : record[key];
  };

  const files = await listFiles(ctx.s3, command);
  const lines: string[] = [];
  const errors: LoadError[] = [];
  const loaded: LoadedFile[] = [];
  for (const entry of files) {
    ctx.throwIfCancelled();
    const mandatory = entry.startsWith('!');
    const url = mandatory ? entry.slice(1) : entry;
    const object = await getObject(ctx.s3, url);
    if (object === undefined) {
      if (mandatory) throw new StatementError(`Manifest file entry ${url} is mandatory but does not exist`);
      continue;
    }
    const startTime = new Date();
    const errorsBefore = errors.length;
    let scanned = 0;
    for (const record of scanRecords(object.text)) {
      scanned++;
      const rawLine = truncate(record.text, 1024);
      // A record that is an array maps to columns only through a JSONPaths file ($[0], $[1], …).
      const arrayWithoutPaths = Array.isArray(record.value) && paths === undefined;
      if (record.value === undefined || typeof record.value !== 'object' || arrayWithoutPaths) {
        errors.push({
          fileName: url,
          lineNumber: record.line,
          columnName: '',
          columnType: '',
          columnLength: '',
          position: 0,
          rawLine,
          rawFieldValue: '',
          errorCode: LOAD_ERROR.invalidLine,
          errorMessage: record.error ?? (arrayWithoutPaths ? "Invalid JSON object: an array record needs a JSONPaths file, not JSON 'auto'" : 'Invalid JSON object: not an object'),
        });
        continue;
      }
      const fields: string[] = [];
      let failed = false;
      for (let c = 0; c < target.columns.length; c++) {
        const col = target.columns[c];
        const value = valueOf(record.value, c);
        const result = coerce(value, col, command.options);
        if (!result.ok) {
          errors.push({
            fileName: url,
            lineNumber: record.line,
            columnName: col.name,
            columnType: col.typname,
            columnLength: String(columnLength(col) ?? ''),
            position: 0,
            rawLine,
            rawFieldValue: truncate(value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value), 1024),
            errorCode: result.code,
            errorMessage: result.message,
          });
          failed = true;
          break;
        }
        fields.push(copyTextField(result.text));
      }
      if (!failed) lines.push(fields.join('\t') + '\n');
    }
    loaded.push({
      fileName: url,
      bytesScanned: object.bytes,
      linesScanned: scanned,
      errors: errors.length - errorsBefore,
      etag: object.etag,
      startTime,
      endTime: new Date(),
    });
  }

  if (errors.length > 0) await ctx.recordLoadErrors(target, errors);
  if (errors.length > command.maxError) {
    throw new StatementError(`Load into table '${target.label}' failed. Check 'sys_load_error_detail' system table for details.`);
  }
  ctx.throwIfCancelled();
  await ctx.recordLoadCommits(loaded);
  if (lines.length === 0) return 0;

  const qualified = command.schema === undefined ? quoteIdent(command.table) : `${quoteIdent(command.schema)}.${quoteIdent(command.table)}`;
  const columnList = target.columns.map((c) => quoteIdent(c.name)).join(', ');
  const stream = client.query(copyFrom(`COPY ${qualified} (${columnList}) FROM STDIN`));
  const BATCH = 500;
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < lines.length; i += BATCH) yield lines.slice(i, i + BATCH).join('');
      })(),
    ),
    stream,
  );
  return lines.length;
}
