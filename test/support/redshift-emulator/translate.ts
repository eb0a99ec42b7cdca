/**
 * Redshift SQL → PostgreSQL, for the statements the project emits. Table-driven: to teach the
 * emulator another Redshift function or to reject another construct, add one line to a table below.
 */
import { isSignificant, quoteIdent, quoteLiteral, render, SqlSyntaxError, splitStatements, stringValue, Token, tokenize, upper } from './sqlLexer';

/** The schema the emulator keeps its own objects in (load errors, Redshift-only functions). */
export const EMULATOR_SCHEMA = 'redshift_emulator';

/** A statement failure with a message for DescribeStatement's Error (the executor adds "ERROR: "). */
export class StatementError extends Error {}

/** Redshift SQL the emulator recognises but can't (or PostgreSQL can't) run. */
export class UnsupportedSqlError extends StatementError {}

/** Redshift functions PostgreSQL has under another name with the same arguments. */
export const FUNCTION_RENAMES: Record<string, string> = {
  nvl: 'coalesce',
  len: 'length',
  lcase: 'lower',
  ucase: 'upper',
};

/** Redshift functions PostgreSQL lacks: created in EMULATOR_SCHEMA as `CREATE FUNCTION <schema>.<name><definition>`; calls are qualified. */
export const EMULATED_FUNCTIONS: Record<string, string> = {
  getdate: `() RETURNS timestamp LANGUAGE sql STABLE AS $$SELECT date_trunc('second', localtimestamp)$$`,
  nvl2: `(anyelement, anycompatible, anycompatible) RETURNS anycompatible LANGUAGE sql IMMUTABLE AS $$SELECT CASE WHEN $1 IS NULL THEN $3 ELSE $2 END$$`,
};

/** Redshift keywords used without parentheses that PostgreSQL spells differently. */
export const KEYWORD_REPLACEMENTS: Record<string, string> = {
  sysdate: 'LOCALTIMESTAMP',
};

/** Redshift system tables/views the emulator provides (as views in EMULATOR_SCHEMA). */
export const EMULATED_SYSTEM_RELATIONS = new Set(['sys_load_error_detail', 'stl_load_errors', 'sys_load_detail', 'stl_load_commits']);
const SYSTEM_RELATION_PREFIX = /^(stl|stv|svl|svv|svcs|stcs|sys)_[a-z0-9_]+$/;

/**
 * Matched against the statement's skeleton: significant tokens joined by one space, words
 * upper-cased, string literals as '?'. The message names the construct.
 */
export const UNSUPPORTED_CONSTRUCTS: Array<[RegExp, string]> = [
  [/^UNLOAD\b/, 'UNLOAD is not supported by the Redshift emulator'],
  [/^CREATE (EXTERNAL|LIBRARY|MODEL|DATASHARE)\b/, 'CREATE $1 is not supported by the Redshift emulator'],
  [/^ALTER TABLE .* APPEND FROM\b/, 'ALTER TABLE ... APPEND is not supported by the Redshift emulator'],
  [/^ANALYZE COMPRESSION\b/, 'ANALYZE COMPRESSION is not supported by the Redshift emulator'],
  [/^SELECT (ALL |DISTINCT )?TOP\b/, 'SELECT TOP is not supported by the Redshift emulator (use LIMIT)'],
  [/\bON CONFLICT\b/, 'INSERT ... ON CONFLICT is PostgreSQL, not Redshift SQL (Redshift has no ON CONFLICT; use MERGE or delete + insert)'],
  [/\bRETURNING\b/, 'RETURNING is PostgreSQL, not Redshift SQL'],
  [/^ALTER TABLE .* ADD (COLUMN )?IF NOT EXISTS\b/, 'ADD COLUMN IF NOT EXISTS is PostgreSQL, not Redshift SQL (read the catalog first)'],
];

/**
 * The statements the emulator runs: an allow-list of the kinds the project emits (matched against
 * the skeleton). Anything else fails, naming the statement, so SQL nobody checked against
 * Redshift's grammar can't pass here by accident.
 */
export const ALLOWED_STATEMENTS: RegExp[] = [
  /^SELECT\b/,
  /^WITH\b/,
  /^INSERT INTO\b/,
  /^DELETE FROM\b/,
  /^UPDATE\b/,
  /^MERGE INTO\b/,
  /^CREATE (LOCAL )?(TEMP |TEMPORARY )?TABLE\b/,
  /^DROP TABLE\b/,
  // a column a later release added to a bookkeeping table (sql/schema/etl_runs_report_error.sql)
  /^ALTER TABLE \S+ ADD COLUMN\b/,
  /^DROP VIEW\b/,
  /^TRUNCATE\b/,
  /^LOCK\b/,
  /^COPY\b/,
  /^VACUUM\b/,
  /^ANALYZE\b/,
];

/**
 * Functions (a word followed by `(`) the emulator accepts: Redshift functions the project's SQL
 * calls, plus a few that tests use. Another one is one line here, after checking it exists on
 * Redshift with the same meaning (SQL functions reference in AWS's Database Developer Guide).
 */
export const ALLOWED_FUNCTIONS = new Set([
  // aggregates and window functions
  'count', 'sum', 'min', 'max', 'avg', 'row_number', 'rank', 'dense_rank', 'lag', 'lead', 'first_value', 'last_value',
  'listagg', 'median', 'stddev', 'bool_or', 'bool_and',
  // conditional and conversion
  'coalesce', 'nvl', 'nvl2', 'nullif', 'greatest', 'least', 'decode', 'cast', 'convert', 'to_char', 'to_date', 'to_timestamp', 'to_number',
  // strings
  'trim', 'btrim', 'ltrim', 'rtrim', 'md5', 'replace', 'chr', 'ascii', 'concat', 'length', 'len', 'octet_length', 'char_length',
  'character_length', 'lower', 'upper', 'substring', 'substr', 'left', 'right', 'position', 'strpos', 'split_part', 'lpad', 'rpad',
  'regexp_replace', 'regexp_substr', 'regexp_count', 'regexp_instr', 'quote_literal', 'quote_ident', 'initcap', 'reverse', 'repeat',
  // numbers
  'abs', 'round', 'ceil', 'ceiling', 'floor', 'mod', 'power', 'sqrt', 'ln', 'log', 'exp', 'trunc', 'sign', 'random',
  // dates and times
  'extract', 'date_part', 'date_trunc', 'dateadd', 'datediff', 'getdate', 'convert_timezone', 'add_months', 'last_day',
  // system information (sql/catalog/)
  'current_schema',
  // leader-node only on Redshift, used by tests on their own
  'generate_series', 'pg_last_copy_id',
  // emulator test helper (not Redshift): a query that runs long enough to be cancelled
  'pg_sleep',
]);

/** Words followed by `(` that are syntax, not function calls. */
const PAREN_KEYWORDS = new Set([
  'in', 'as', 'exists', 'values', 'any', 'all', 'some', 'over', 'filter', 'within', 'and', 'or', 'not', 'on', 'using', 'when',
  'then', 'else', 'select', 'from', 'where', 'by', 'join', 'is', 'case', 'between', 'union', 'except', 'intersect', 'minus',
  'varchar', 'char', 'character', 'varying', 'nvarchar', 'nchar', 'bpchar', 'decimal', 'numeric', 'float', 'timestamp', 'time',
  'identity', 'distkey', 'sortkey', 'key', 'unique', 'check', 'interval', 'with', 'set', 'lateral', 'default', 'partition', 'group',
  'order', 'having', 'limit', 'returns', 'matched', 'distinct', 'row', 'array', 'null', 'true', 'false',
  // GROUP BY GROUPING SETS ((a), (b)): Redshift's aggregation extensions (GROUP BY clause, AWS's Database Developer Guide)
  'sets',
]);

/** A word followed by `(` after one of these names a table (or an alias's columns), not a function. */
const TABLE_NAME_BEFORE = new Set(['INTO', 'TABLE', 'EXISTS', 'REFERENCES', 'LIKE', 'COPY', 'AS', 'UPDATE']);

/** Statements accepted and skipped: they only tune Redshift's workload manager or physical layout. */
export const IGNORED_STATEMENTS: RegExp[] = [
  /^(SET|RESET) (QUERY_GROUP|WLM_QUERY_SLOT_COUNT|ENABLE_RESULT_CACHE_FOR_SESSION|ANALYZE_THRESHOLD_PERCENT)\b/,
  /^ALTER TABLE .* ALTER (DISTSTYLE|DISTKEY|SORTKEY|COMPOUND SORTKEY|INTERLEAVED SORTKEY|ENCODE)\b/,
  /^ALTER TABLE .* ALTER COLUMN .* ENCODE\b/,
];

/**
 * Transaction control, in Redshift's grammar (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT
 * pages of AWS's Database Developer Guide). Redshift runs every isolation level as SERIALIZABLE.
 */
const BEGIN_STATEMENT = /^(?:BEGIN|START TRANSACTION)(?: WORK| TRANSACTION)?(?: ISOLATION LEVEL (?:SERIALIZABLE|READ UNCOMMITTED|READ COMMITTED|REPEATABLE READ))?(?: (READ WRITE|READ ONLY))?$/;
const COMMIT_STATEMENT = /^(?:COMMIT|END)(?: WORK| TRANSACTION)?$/;
const ROLLBACK_STATEMENT = /^(?:ROLLBACK|ABORT)(?: WORK| TRANSACTION)?$/;
const TRANSACTION_CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b/;

/** The PostgreSQL for a transaction-control statement (skeleton `skel`), or an error naming what Redshift's grammar lacks. */
function translateTransactionControl(skel: string): Translated {
  const begin = BEGIN_STATEMENT.exec(skel);
  if (begin !== null) return { kind: 'control', sql: `BEGIN ISOLATION LEVEL SERIALIZABLE${begin[1] ? ` ${begin[1]}` : ''}` };
  if (COMMIT_STATEMENT.test(skel)) return { kind: 'control', sql: 'COMMIT' };
  if (ROLLBACK_STATEMENT.test(skel)) return { kind: 'control', sql: 'ROLLBACK' };
  throw new UnsupportedSqlError(`${skel} is not transaction control as Redshift writes it (BEGIN [WORK|TRANSACTION] [ISOLATION LEVEL …] [READ WRITE|READ ONLY], COMMIT, END, ROLLBACK, ABORT)`);
}

/** Statements PostgreSQL refuses inside a transaction block (Redshift refuses them in one too). */
const NON_TRANSACTIONAL = /^(VACUUM|CREATE DATABASE|DROP DATABASE)\b/;

/**
 * Column types in CREATE TABLE: a replacement, or null for types the emulator rejects.
 * Redshift's TEXT/BPCHAR are really VARCHAR(256)/CHAR(256); keeping that catches over-long values.
 */
export const COLUMN_TYPES: Record<string, string | null> = {
  TEXT: 'VARCHAR(256)',
  BPCHAR: 'CHAR(256)',
  NVARCHAR: 'VARCHAR',
  NCHAR: 'CHAR',
  SUPER: null,
  HLLSKETCH: null,
  GEOMETRY: null,
  GEOGRAPHY: null,
  VARBYTE: null,
  VARBINARY: null,
  // PostgreSQL types Redshift doesn't have: accepting them would hide a DDL bug.
  JSON: null,
  JSONB: null,
  SERIAL: null,
  BIGSERIAL: null,
  SMALLSERIAL: null,
  UUID: null,
  BYTEA: null,
  MONEY: null,
};

export type Translated =
  | { kind: 'sql'; sql: string; values: string[]; transactional: boolean }
  | { kind: 'control'; sql: string }
  | { kind: 'copy'; tokens: Token[] }
  | { kind: 'ignored' };

export interface TranslateOptions {
  /** Keep PRIMARY KEY / UNIQUE / FOREIGN KEY constraints. Redshift only records them (not enforced), so by default they're dropped. */
  enforceConstraints?: boolean;
}

/** Splits a Data API Sql string into statements (tokens each). */
export function parseStatements(sql: string): Token[][] {
  return splitStatements(tokenize(sql));
}

export function skeleton(tokens: Token[]): string {
  return tokens
    .filter(isSignificant)
    .map((t) => (t.kind === 'word' ? t.text.toUpperCase() : t.kind === 'string' || t.kind === 'dollar' ? "'?'" : t.text))
    .join(' ');
}

export function translateStatement(input: Token[], parameters: Map<string, string>, options: TranslateOptions = {}): Translated {
  // Redshift folds even quoted identifiers to lower case (enable_case_sensitive_identifier is off by default).
  const tokens = input.map((t) => (t.kind === 'qident' ? { kind: t.kind, text: t.text.toLowerCase() } : { ...t }));
  const skel = skeleton(tokens);
  for (const [pattern, message] of UNSUPPORTED_CONSTRUCTS) {
    const m = pattern.exec(skel);
    if (m !== null) throw new UnsupportedSqlError(message.replace(/\$(\d)/g, (_s, d: string) => m[Number(d)] ?? ''));
  }
  if (IGNORED_STATEMENTS.some((p) => p.test(skel))) return { kind: 'ignored' };
  if (TRANSACTION_CONTROL.test(skel)) return translateTransactionControl(skel);
  if (!ALLOWED_STATEMENTS.some((p) => p.test(skel))) {
    throw new UnsupportedSqlError(`${skel.split(' ').slice(0, 3).join(' ')} … is not among the statements the Redshift emulator allows (ALLOWED_STATEMENTS)`);
  }
  if (/^COPY\b/.test(skel)) return { kind: 'copy', tokens };

  let body = tokens;
  if (/^VACUUM\b/.test(skel)) body = translateVacuum(tokens);
  else if (/^CREATE (LOCAL )?(TEMP |TEMPORARY )?TABLE\b/.test(skel)) translateCreateTable(tokens, options);

  rewriteNames(body);
  // PostgreSQL reads '…' with standard_conforming_strings: hand it the text the literal denotes on Redshift.
  for (const t of body) if (t.kind === 'string') t.text = quoteLiteral(stringValue(t));
  const values = bindParameters(body, parameters);
  return { kind: 'sql', sql: render(body), values, transactional: !NON_TRANSACTIONAL.test(skel) };
}

/** Indices of significant tokens, so rewrites can look at neighbours while keeping the original spacing. */
function significantIndices(tokens: Token[]): number[] {
  const out: number[] = [];
  tokens.forEach((t, i) => {
    if (isSignificant(t)) out.push(i);
  });
  return out;
}

const remove = (t: Token): void => {
  t.kind = 'ws';
  t.text = ' ';
};

const isPunct = (t: Token | undefined, text: string): boolean => t !== undefined && t.kind === 'punct' && t.text === text;

/** Given the position (in sig) of an opening parenthesis, the position of its matching close. */
function matchingParen(tokens: Token[], sig: number[], open: number): number {
  let depth = 0;
  for (let p = open; p < sig.length; p++) {
    const t = tokens[sig[p]];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) {
      depth--;
      if (depth === 0) return p;
    }
  }
  throw new SqlSyntaxError('unbalanced parentheses');
}

function rewriteNames(tokens: Token[]): void {
  const sig = significantIndices(tokens);
  for (let p = 0; p < sig.length; p++) {
    const t = tokens[sig[p]];
    if (t.kind !== 'word') continue;
    const name = t.text.toLowerCase();
    const prev = tokens[sig[p - 1]];
    const next = tokens[sig[p + 1]];
    const qualifiedByCatalog = isPunct(prev, '.') && p >= 2 && tokens[sig[p - 2]].text.toLowerCase() === 'pg_catalog';
    if (isPunct(prev, '.') && !qualifiedByCatalog) continue;
    if (isPunct(next, '(')) {
      const before = prev !== undefined && prev.kind === 'word' ? prev.text.toUpperCase() : '';
      if (!ALLOWED_FUNCTIONS.has(name) && !PAREN_KEYWORDS.has(name) && !TABLE_NAME_BEFORE.has(before) && !qualifiedByCatalog) {
        throw new UnsupportedSqlError(`function ${name}() is not in the Redshift emulator's allow-list (ALLOWED_FUNCTIONS)`);
      }
      if (FUNCTION_RENAMES[name] !== undefined) t.text = FUNCTION_RENAMES[name];
      else if (EMULATED_FUNCTIONS[name] !== undefined) t.text = `${EMULATOR_SCHEMA}.${name}`;
      continue;
    }
    if (KEYWORD_REPLACEMENTS[name] !== undefined && !qualifiedByCatalog) {
      t.text = KEYWORD_REPLACEMENTS[name];
    } else if (EMULATED_SYSTEM_RELATIONS.has(name)) {
      if (qualifiedByCatalog) {
        remove(tokens[sig[p - 2]]);
        remove(prev);
      }
      t.text = `${EMULATOR_SCHEMA}.${name}`;
    } else if (SYSTEM_RELATION_PREFIX.test(name)) {
      throw new UnsupportedSqlError(`Redshift system table ${name} is not emulated (only ${[...EMULATED_SYSTEM_RELATIONS].join(', ')})`);
    }
  }
}

/** Replaces Data API `:name` parameters with $n placeholders; values are bound as text and PostgreSQL infers their types. */
function bindParameters(tokens: Token[], parameters: Map<string, string>): string[] {
  const order = new Map<string, number>();
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    const name = t.text.slice(1);
    const value = parameters.get(name);
    if (value === undefined) throw new UnsupportedSqlError(`no value specified for parameter :${name}`);
    if (!order.has(name)) order.set(name, order.size + 1);
    t.text = `$${order.get(name)}`;
  }
  return [...order.keys()].map((name) => parameters.get(name)!);
}

const VACUUM_OPTIONS = new Set(['FULL', 'SORT', 'DELETE', 'ONLY', 'REINDEX', 'RECLUSTER', 'BOOST']);

function translateVacuum(tokens: Token[]): Token[] {
  const sig = significantIndices(tokens).map((i) => tokens[i]);
  let p = 1;
  while (p < sig.length && VACUUM_OPTIONS.has(upper(sig[p]))) p++;
  const name: string[] = [];
  while (p < sig.length && (sig[p].kind === 'word' || sig[p].kind === 'qident' || isPunct(sig[p], '.')) && upper(sig[p]) !== 'TO') {
    name.push(sig[p].text);
    p++;
  }
  return tokenize(name.length === 0 ? 'VACUUM' : `VACUUM ${name.join('')}`);
}

const TABLE_ATTRIBUTES_WITH_VALUE = new Set(['DISTSTYLE', 'ENCODE', 'BACKUP']);

function translateCreateTable(tokens: Token[], options: TranslateOptions): void {
  const sig = significantIndices(tokens);
  const at = (p: number): Token => tokens[sig[p]];
  let p = 0;
  while (upper(at(p)) !== 'TABLE') p++;
  p++;
  if (upper(at(p)) === 'IF') p += 3;
  // table name: ident ('.' ident)*
  p++;
  while (isPunct(at(p), '.')) p += 2;
  if (isPunct(at(p), '(')) {
    const close = matchingParen(tokens, sig, p);
    translateColumnList(tokens, sig, p, close, options);
    p = close + 1;
  }
  // Table attributes, up to CTAS's AS.
  while (p < sig.length && upper(at(p)) !== 'AS') {
    const word = upper(at(p));
    if (TABLE_ATTRIBUTES_WITH_VALUE.has(word)) {
      remove(at(p));
      remove(at(p + 1));
      p += 2;
    } else if (word === 'COMPOUND' || word === 'INTERLEAVED') {
      remove(at(p));
      p++;
    } else if (word === 'DISTKEY' || word === 'SORTKEY') {
      remove(at(p));
      if (isPunct(at(p + 1), '(')) {
        const close = matchingParen(tokens, sig, p + 1);
        for (let q = p + 1; q <= close; q++) remove(at(q));
        p = close + 1;
      } else {
        if (upper(at(p + 1)) === 'AUTO') remove(at(p + 1));
        p += 2;
      }
    } else p++;
  }
}

const TABLE_CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN']);

function translateColumnList(tokens: Token[], sig: number[], open: number, close: number, options: TranslateOptions): void {
  const at = (p: number): Token => tokens[sig[p]];
  // Split into elements at depth-1 commas.
  const elements: Array<{ start: number; end: number; comma?: number }> = [];
  let depth = 0;
  let start = open + 1;
  for (let p = open + 1; p < close; p++) {
    if (isPunct(at(p), '(')) depth++;
    else if (isPunct(at(p), ')')) depth--;
    else if (depth === 0 && isPunct(at(p), ',')) {
      elements.push({ start, end: p, comma: p });
      start = p + 1;
    }
  }
  elements.push({ start, end: close });

  elements.forEach((el, index) => {
    const first = upper(at(el.start));
    if (first === 'CHECK' || (first === 'CONSTRAINT' && upper(at(el.start + 2)) === 'CHECK')) {
      throw new UnsupportedSqlError('CHECK constraints are not supported by Redshift');
    }
    if (TABLE_CONSTRAINT_START.has(first)) {
      if (options.enforceConstraints) return;
      for (let q = el.start; q < el.end; q++) remove(at(q));
      // Drop the separating comma: this element's own, or for the last element the previous one's.
      const comma = el.comma ?? elements[index - 1]?.comma;
      if (comma !== undefined) remove(at(comma));
      return;
    }
    if (first === 'LIKE') return;
    translateColumn(tokens, sig, el.start, el.end, options);
  });
}

function translateColumn(tokens: Token[], sig: number[], start: number, end: number, options: TranslateOptions): void {
  const at = (p: number): Token => tokens[sig[p]];
  const bytes = declaredBytes(tokens, sig, start, end);
  const typeToken = at(start + 1);
  const typeName = upper(typeToken);
  if (typeName in COLUMN_TYPES) {
    const replacement = COLUMN_TYPES[typeName];
    if (replacement === null) {
      throw new UnsupportedSqlError(`column type ${typeName} is not supported by the Redshift emulator (or is not a Redshift type)`);
    }
    typeToken.text = replacement;
  }
  for (let p = start + 1; p < end; p++) {
    const t = at(p);
    const word = upper(t);
    if (word === 'MAX' && isPunct(at(p - 1), '(') && isPunct(at(p + 1), ')')) {
      t.text = /^(N?CHAR|CHARACTER|BPCHAR)$/.test(upper(at(p - 2))) ? '4096' : '65535';
    } else if (word === 'DISTKEY' || word === 'SORTKEY') {
      remove(t);
    } else if (word === 'ENCODE') {
      remove(t);
      remove(at(p + 1));
      p++;
    } else if (word === 'IDENTITY' && isPunct(at(p + 1), '(')) {
      const close = matchingParen(tokens, sig, p + 1);
      const args = render(tokens.slice(sig[p + 1] + 1, sig[close])).split(',');
      if (args.length !== 2) throw new SqlSyntaxError('IDENTITY takes (seed, step)');
      const generatedByDefault = upper(at(p - 1)) === 'AS';
      for (let q = p + 1; q <= close; q++) remove(at(q));
      // Redshift's plain IDENTITY refuses explicit values, like PostgreSQL's GENERATED ALWAYS.
      const [seed, step] = args.map((a) => a.trim());
      // PostgreSQL's default bounds (1.. or ..-1) would reject Redshift's usual IDENTITY(0, 1).
      if (!/^[+-]?\d+$/.test(seed) || !/^[+-]?\d+$/.test(step)) throw new SqlSyntaxError('IDENTITY(seed, step) takes integers');
      const bound = Number(step) < 0 ? `MAXVALUE ${Math.max(Number(seed), -1)}` : `MINVALUE ${Math.min(Number(seed), 1)}`;
      t.text = `${generatedByDefault ? '' : 'GENERATED ALWAYS AS '}IDENTITY (START WITH ${seed} INCREMENT BY ${step} ${bound})`;
      p = close;
    } else if (word === 'CHECK') {
      throw new UnsupportedSqlError('CHECK constraints are not supported by Redshift');
    } else if (!options.enforceConstraints && (word === 'UNIQUE' || (word === 'PRIMARY' && upper(at(p + 1)) === 'KEY'))) {
      remove(t);
      if (word === 'PRIMARY') {
        remove(at(p + 1));
        p++;
      }
    } else if (!options.enforceConstraints && word === 'REFERENCES') {
      remove(t);
      let q = p + 1;
      remove(at(q));
      while (isPunct(at(q + 1), '.')) {
        remove(at(q + 1));
        remove(at(q + 2));
        q += 2;
      }
      if (isPunct(at(q + 1), '(')) {
        const close = matchingParen(tokens, sig, q + 1);
        for (let r = q + 1; r <= close; r++) remove(at(r));
        q = close;
      }
      p = q;
    }
  }
  if (bytes !== undefined) {
    // Redshift's CHAR/VARCHAR lengths are bytes, PostgreSQL's characters: check the bytes too.
    const column = at(start).text;
    const name = `${VARCHAR_BYTES_CONSTRAINT}${bytes}_${column.replace(/"/g, '')}`.slice(0, 63);
    at(end - 1).text += ` CONSTRAINT ${quoteIdent(name)} CHECK (octet_length(${column}) <= ${bytes})`;
  }
}

/** Prefix of the CHECK constraints that give CHAR/VARCHAR columns Redshift's byte semantics. */
export const VARCHAR_BYTES_CONSTRAINT = 'rs_bytes_';

/** The byte length a CHAR/VARCHAR column declares (TEXT is VARCHAR(256), MAX 65535 or 4096), or undefined. */
function declaredBytes(tokens: Token[], sig: number[], start: number, end: number): number | undefined {
  const at = (p: number): Token => tokens[sig[p]];
  const type = upper(at(start + 1));
  if (type === 'TEXT') return 256;
  if (type === 'BPCHAR') return 256;
  if (!['VARCHAR', 'CHAR', 'CHARACTER', 'NVARCHAR', 'NCHAR'].includes(type)) return undefined;
  let p = start + 2;
  if (upper(at(p)) === 'VARYING') p++;
  const isChar = (type === 'CHAR' || type === 'CHARACTER' || type === 'NCHAR') && upper(at(start + 2)) !== 'VARYING';
  if (p >= end || !isPunct(at(p), '(')) return isChar ? 1 : 256;
  const size = at(p + 1);
  if (upper(size) === 'MAX') return isChar ? 4096 : 65535;
  return size.kind === 'number' ? Number(size.text) : undefined;
}
