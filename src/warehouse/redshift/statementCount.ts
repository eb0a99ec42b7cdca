/**
 * How many statements a SQL text a person typed holds (`sparkify sql` on Redshift): the Data API
 * runs one per ExecuteStatement (or per Sqls entry of a batch) and refuses more with a message of
 * its own, after the call. Semicolons inside '…' (with '' or \' escapes, as Redshift reads them),
 * "…" identifiers, $tag$…$tag$ bodies, -- and /* *\/ comments do not end a statement; a piece
 * with nothing but blanks and comments is not one.
 */
export function statementCount(sql: string): number {
  let count = 0;
  let significant = false;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = blockCommentEnd(sql, i);
    } else if (c === ';') {
      if (significant) count++;
      significant = false;
      i++;
    } else {
      if (!/\s/.test(c)) significant = true;
      if (c === "'") i = quotedEnd(sql, i, "'", true);
      else if (c === '"') i = quotedEnd(sql, i, '"', false);
      else if (c === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) i = dollarQuotedEnd(sql, i);
      else i++;
    }
  }
  return significant ? count + 1 : count;
}

/** Past the quote that closes the one at `start`; a doubled quote (or, in a literal, a backslash) escapes. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Past a block comment, nested ones included as PostgreSQL reads them. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** Past $tag$…$tag$ when `start` opens one; else past the lone $ (a positional $1, say). */
function dollarQuotedEnd(sql: string, start: number): number {
  const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(sql.slice(start))?.[0];
  if (tag === undefined || /^\$\d/.test(tag)) return start + 1;
  const end = sql.indexOf(tag, start + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}
