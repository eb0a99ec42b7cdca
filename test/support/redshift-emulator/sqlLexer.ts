/**
 * A small SQL tokenizer: enough to rewrite Redshift statements without touching string
 * literals, quoted identifiers or comments.
 */

export type TokenKind =
  | 'ws'
  | 'comment'
  | 'string' // '...', E'...'
  | 'dollar' // $tag$...$tag$
  | 'qident' // "..."
  | 'word' // identifier or keyword
  | 'number'
  | 'param' // :name (Data API named parameter)
  | 'positional' // $1
  | 'punct' // ( ) , ; . [ ]
  | 'op'; // everything else (::, <=, ||, ...)

export interface Token {
  kind: TokenKind;
  text: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const OP_CHARS = '+-*/<>=~!@#%^&|`?:';

export class SqlSyntaxError extends Error {}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j])) j++;
      push('ws', j);
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      push('comment', j === -1 ? n : j);
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      if (depth !== 0) throw new SqlSyntaxError('unterminated /* comment');
      push('comment', j);
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      // Redshift reads a backslash in every string literal as an escape, plain '…' included
      // (its standard_conforming_strings is off): '\'' holds a quote, and 'a\' is unterminated.
      let j = c === "'" ? i + 1 : i + 2;
      for (;;) {
        if (j >= n) throw new SqlSyntaxError('unterminated quoted string');
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      push('string', j + 1);
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new SqlSyntaxError('unterminated quoted identifier');
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      push('qident', j + 1);
    } else if (c === '$' && /[0-9]/.test(next ?? '')) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j])) j++;
      push('positional', j);
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m === null) {
        push('op', i + 1);
      } else {
        const close = sql.indexOf(m[0], i + m[0].length);
        if (close === -1) throw new SqlSyntaxError('unterminated dollar-quoted string');
        push('dollar', close + m[0].length);
      }
    } else if (c === ':' && next === ':') {
      push('op', i + 2);
    } else if (c === ':' && WORD_START.test(next ?? '')) {
      let j = i + 2;
      while (j < n && WORD_PART.test(sql[j])) j++;
      push('param', j);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i));
      push('number', i + (m === null ? 1 : m[0].length));
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j])) j++;
      push('word', j);
    } else if ('(),;.[]'.includes(c)) {
      push('punct', i + 1);
    } else if (OP_CHARS.includes(c)) {
      let j = i + 1;
      while (j < n && OP_CHARS.includes(sql[j]) && !(sql[j] === '-' && sql[j + 1] === '-')) j++;
      push('op', j);
    } else {
      push('op', i + 1);
    }
  }
  return tokens;
}

export const isSignificant = (t: Token): boolean => t.kind !== 'ws' && t.kind !== 'comment';

export const upper = (t: Token | undefined): string => (t !== undefined && t.kind === 'word' ? t.text.toUpperCase() : '');

/** Splits on top-level semicolons; drops statements that are only whitespace/comments. */
export function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') {
      statements.push(current);
      current = [];
    } else current.push(t);
  }
  statements.push(current);
  return statements.filter((s) => s.some(isSignificant));
}

export const render = (tokens: Token[]): string => tokens.map((t) => t.text).join('');

const BACKSLASH_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * The text a string literal denotes. In '…' and E'…' alike, `''` is a quote, and a backslash
 * escapes the next character: \b \f \n \r \t, up to three octal digits, or the character itself.
 */
export function stringValue(t: Token): string {
  if (t.kind === 'dollar') {
    const tag = /^\$[^$]*\$/.exec(t.text)![0];
    return t.text.slice(tag.length, t.text.length - tag.length);
  }
  const body = t.text[0] === "'" ? t.text.slice(1, -1) : t.text.slice(2, -1);
  return body.replace(/''|\\([0-7]{1,3}|[\s\S])/g, (_whole: string, escaped: string | undefined) => {
    if (escaped === undefined) return "'";
    if (/^[0-7]+$/.test(escaped)) return String.fromCharCode(parseInt(escaped, 8));
    return BACKSLASH_ESCAPES[escaped] ?? escaped;
  });
}

/** Identifier text as the server sees it: unquoted words lower-cased, quoted ones as written. */
export function identifierValue(t: Token): string {
  if (t.kind === 'qident') return t.text.slice(1, -1).replace(/""/g, '"');
  return t.text.toLowerCase();
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;
