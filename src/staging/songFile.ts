/** One JSON value cut out of a song file, with the line it starts on. */
export interface SongRecordText {
  line: number;
  text: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v', '\uFEFF']);

/**
 * Cuts a song file into its records the way Redshift's COPY … JSON reads one: the file holds one
 * or more top-level JSON values, one after another (whitespace or newlines between them, or none);
 * each object is a record, and a top-level array's elements are records. Nothing is parsed here:
 * a value that is not an object, is truncated, or is garbage becomes a record the warehouse rejects
 * with a reason. Strings and nesting are respected, so braces inside titles don't cut anything.
 */
export function* splitSongFile(text: string): Generator<SongRecordText> {
  const n = text.length;
  let i = 0;
  let line = 1;

  const advanceTo = (end: number): void => {
    for (let k = i; k < end; k++) if (text.charCodeAt(k) === 10) line++;
    i = end;
  };
  const skipWhitespace = (): void => {
    let k = i;
    while (k < n && WHITESPACE.has(text[k])) k++;
    advanceTo(k);
  };
  /** End (exclusive) of the value starting at `start`: the whole rest of the text if it never closes. */
  const valueEnd = (start: number): number => {
    const c = text[start];
    if (c === '{' || c === '[') {
      let depth = 0;
      let inString = false;
      for (let k = start; k < n; k++) {
        const ch = text[k];
        if (inString) {
          if (ch === '\\') k++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) return k + 1;
        }
      }
      return n;
    }
    if (c === '"') {
      for (let k = start + 1; k < n; k++) {
        if (text[k] === '\\') k++;
        else if (text[k] === '"') return k + 1;
      }
      return n;
    }
    // A scalar or garbage: up to the next separator, at least one character.
    let k = start + 1;
    while (k < n && !WHITESPACE.has(text[k]) && !'{[,]'.includes(text[k])) k++;
    return k;
  };
  const emit = (): SongRecordText => {
    const startLine = line;
    const end = valueEnd(i);
    const value = text.slice(i, end);
    advanceTo(end);
    return { line: startLine, text: value };
  };

  for (;;) {
    skipWhitespace();
    if (i >= n) return;
    if (text[i] !== '[') {
      yield emit();
      continue;
    }
    // A top-level array: each element is a record.
    const arrayLine = line;
    advanceTo(i + 1);
    let closed = false;
    for (;;) {
      skipWhitespace();
      if (i >= n) break;
      if (text[i] === ']') {
        advanceTo(i + 1);
        closed = true;
        break;
      }
      if (text[i] === ',') {
        advanceTo(i + 1);
        continue;
      }
      yield emit();
    }
    if (!closed) yield { line: arrayLine, text: '[' }; // the unclosed array itself: rejected as invalid JSON
  }
}
