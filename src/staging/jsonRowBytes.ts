import { EVENT_TIME_RANGE, type FieldSpec } from '../etl/records';
import { ByteChunks, type CopyFlavour } from './copyText';

/**
 * A record's staging row written straight from its JSON line's bytes, for the common case: a flat
 * object whose fields are strings, numbers or null of the types their columns take. No JSON.parse,
 * no object, no string per value: a string without escapes is the same bytes in COPY text (JSON
 * holds a tab, newline, carriage return or backslash only as an escape, and so does CSV's `"`), and
 * a number is copied when its text is already what JavaScript would print for it.
 *
 * `parse` accepts a line only when it is sure the general path (recordObject, fieldCell,
 * checkEventUserId in src/etl/records.ts, then copyTextValue) would stage it with exactly these
 * bytes; anything else (invalid JSON, a bad or missing field, a duplicate or escaped key, `true`,
 * a nested value, a lone surrogate escape, a string where a number goes, a userId that needs its check)
 * returns false, and the caller takes the general path, which stages or rejects it with its reason.
 * test/unit/jsonRowBytes.test.ts compares the two on the corpus and on mutated lines.
 */

const TAB = 0x09;
const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const LETTER_N = 0x4e;
const BACKSLASH = 0x5c;
const LOWER_B = 0x62;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_F = 0x66;
const LOWER_L = 0x6c;
const LOWER_N = 0x6e;
const LOWER_R = 0x72;
const LOWER_T = 0x74;
const LOWER_U = 0x75;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** What a field's value was. */
const MISSING = 0;
const NULL = 1;
const PLAIN = 2; // a string without escapes
const ESCAPED = 3; // a string with escapes
const NUMBER = 4;

/** Most significant digits whose decimal text JavaScript prints back unchanged (DBL_DIG). */
const EXACT_DIGITS = 15;
/** Bytes a number's text can take when printed by JavaScript (e.g. -1.2345678901234567e-300). */
const MAX_NUMBER_TEXT = 25;

const isWhitespace = (b: number): boolean => b === SPACE || b === TAB || b === CR || b === NEWLINE;
const isDigit = (b: number): boolean => b >= ZERO && b <= NINE;

function hexValue(b: number): number {
  if (b >= ZERO && b <= NINE) return b - ZERO;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= LOWER_F) return lower - 0x61 + 10;
  return -1;
}

/** Whether the whole number written in src[start, end) (a '-' first, then at most 15 digits) is an event time staging takes. */
function withinEventTimes(src: Buffer, start: number, end: number): boolean {
  const negative = src[start] === MINUS;
  let n = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) n = n * 10 + (src[i] - ZERO);
  if (negative) n = -n;
  return n >= EVENT_TIME_RANGE.min && n <= EVENT_TIME_RANGE.max;
}

/** The code unit of the four hex digits at `at`, or -1. */
function hex4(src: Buffer, at: number): number {
  const a = hexValue(src[at]);
  const b = hexValue(src[at + 1]);
  const c = hexValue(src[at + 2]);
  const d = hexValue(src[at + 3]);
  if (a < 0 || b < 0 || c < 0 || d < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** COPY rows written from a line's bytes (ByteChunks: the same hand-over as CopyTextWriter). */
export class RowBytes extends ByteChunks {
  /** Text already in COPY form, as UTF-8. */
  text(value: string): void {
    this.at += this.buf.write(value, this.at, 'utf8');
  }

  /** A whole number ≥ 0 in decimal. */
  natural(n: number): void {
    const digits = String(n);
    this.at += this.buf.write(digits, this.at, 'latin1');
  }
}

export class JsonRowBytes {
  private readonly keys: Buffer[];
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly seen: Int32Array;
  /** A value's COPY text when it is not a slice of the line (a number JavaScript prints differently). */
  private readonly texts: (string | undefined)[];
  private generation = 0;

  constructor(
    private readonly fields: readonly FieldSpec[],
    private readonly flavour: CopyFlavour,
    /** The field checked as userId (digits or empty, within INTEGER), or -1. */
    private readonly userIdIndex: number,
  ) {
    this.keys = fields.map((f) => Buffer.from(f.key, 'utf8'));
    const n = fields.length;
    this.kinds = new Uint8Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.seen = new Int32Array(n);
    this.texts = new Array<string | undefined>(n).fill(undefined);
  }

  /** Most bytes `write` adds for a line of `lineBytes`: each value at most its JSON text, or a printed number, and a tab. */
  maxRowBytes(lineBytes: number): number {
    return lineBytes + this.fields.length * (MAX_NUMBER_TEXT + 4);
  }

  private keyIs(src: Buffer, start: number, end: number, field: number): boolean {
    const key = this.keys[field];
    if (key.length !== end - start) return false;
    for (let i = 0; i < key.length; i++) if (key[i] !== src[start + i]) return false;
    return true;
  }

  private findKey(src: Buffer, start: number, end: number): number {
    for (let f = 0; f < this.keys.length; f++) if (this.keyIs(src, start, end, f)) return f;
    return -1;
  }

  /**
   * Reads the JSON object in src[start, end) (a line without its newline); true when `write` can
   * write its row, false when the line must take the general path.
   */
  parse(src: Buffer, start: number, end: number): boolean {
    const gen = ++this.generation;
    const { kinds, starts, ends, seen } = this;
    let i = start;
    while (i < end && isWhitespace(src[i])) i++;
    if (i >= end || src[i] !== OPEN) return false;
    i++;
    while (i < end && isWhitespace(src[i])) i++;
    let expected = 0;
    for (;;) {
      // The key: plain text only (an escaped key may still name a field).
      if (i >= end || src[i] !== QUOTE) return false;
      const keyStart = ++i;
      // Fields mostly come in their usual order: the next one's key, then its closing quote.
      if (expected < this.keys.length) {
        const key = this.keys[expected];
        const keyEnd = keyStart + key.length;
        if (keyEnd < end && src[keyEnd] === QUOTE && this.keyIs(src, keyStart, keyEnd, expected)) {
          i = keyEnd;
        }
      }
      for (;;) {
        if (i >= end) return false;
        const b = src[i];
        if (b === QUOTE) break;
        if (b === BACKSLASH || b < SPACE) return false;
        i++;
      }
      const keyEnd = i++;
      const field = expected < this.keys.length && this.keyIs(src, keyStart, keyEnd, expected) ? expected : this.findKey(src, keyStart, keyEnd);
      while (i < end && isWhitespace(src[i])) i++;
      if (i >= end || src[i] !== COLON) return false;
      i++;
      while (i < end && isWhitespace(src[i])) i++;
      if (i >= end) return false;
      const c = src[i];
      let kind: number;
      let valueStart = i;
      let valueEnd: number;
      if (c === QUOTE) {
        valueStart = ++i;
        kind = PLAIN;
        for (;;) {
          if (i >= end) return false;
          const b = src[i];
          if (b === QUOTE) break;
          if (b === BACKSLASH) {
            kind = ESCAPED;
            if (i + 1 >= end) return false;
            const x = src[i + 1];
            if (x === LOWER_U) {
              if (i + 6 > end) return false;
              const unit = hex4(src, i + 2);
              // A NUL is the general path's reject; a lone surrogate its to encode (as U+FFFD).
              if (unit <= 0 || (unit >= 0xdc00 && unit <= 0xdfff)) return false;
              if (unit >= 0xd800 && unit <= 0xdbff) {
                if (i + 12 > end || src[i + 6] !== BACKSLASH || src[i + 7] !== LOWER_U) return false;
                const low = hex4(src, i + 8);
                if (low < 0xdc00 || low > 0xdfff) return false;
                i += 6;
              }
              i += 6;
            } else if (x === QUOTE || x === BACKSLASH || x === SLASH || x === LOWER_B || x === LOWER_F || x === LOWER_N || x === LOWER_R || x === LOWER_T) {
              i += 2;
            } else {
              return false;
            }
          } else if (b < SPACE) {
            return false;
          } else {
            i++;
          }
        }
        valueEnd = i++;
      } else if (c === LOWER_N) {
        if (i + 4 > end || src[i + 1] !== LOWER_U || src[i + 2] !== LOWER_L || src[i + 3] !== LOWER_L) return false;
        i += 4;
        kind = NULL;
        valueEnd = i;
      } else if (c === MINUS || isDigit(c)) {
        i = numberEnd(src, i, end);
        if (i < 0) return false;
        kind = NUMBER;
        valueEnd = i;
      } else {
        return false;
      }
      if (field >= 0) {
        // JSON.parse keeps a repeated key's last value: rare enough for the general path.
        if (seen[field] === gen) return false;
        seen[field] = gen;
        kinds[field] = kind;
        starts[field] = valueStart;
        ends[field] = valueEnd;
        expected = field + 1;
      }
      while (i < end && isWhitespace(src[i])) i++;
      if (i >= end) return false;
      if (src[i] === COMMA) {
        i++;
        while (i < end && isWhitespace(src[i])) i++;
        continue;
      }
      if (src[i] === CLOSE) {
        i++;
        break;
      }
      return false;
    }
    while (i < end && isWhitespace(src[i])) i++;
    if (i !== end) return false;
    return this.checkTypes(src, gen);
  }

  /** Each field's value against its column, as convert (src/etl/records.ts) would take it. */
  private checkTypes(src: Buffer, gen: number): boolean {
    const { fields, kinds, starts, ends, seen, texts } = this;
    for (let f = 0; f < fields.length; f++) {
      texts[f] = undefined;
      if (seen[f] !== gen) kinds[f] = MISSING;
      const kind = kinds[f];
      const spec = fields[f];
      if (kind === MISSING || kind === NULL) {
        if (spec.required) return false;
      } else if (kind === PLAIN || kind === ESCAPED) {
        if (spec.type !== 'string') return false;
        if (f === this.userIdIndex && (kind === ESCAPED || !shortDigits(src, starts[f], ends[f]))) return false;
      } else {
        if (spec.type === 'string') return false;
        if (!this.canonicalNumber(src, f, spec)) return false;
      }
    }
    return true;
  }

  /**
   * A number's value checked as its column's type, and its text as JavaScript prints it: a slice
   * of the line when the text is already that (leaves `ends` at the slice's end), else in `texts`.
   */
  private canonicalNumber(src: Buffer, f: number, spec: FieldSpec): boolean {
    const start = this.starts[f];
    const end = this.ends[f];
    let i = start;
    if (src[i] === MINUS) i++;
    const intStart = i;
    while (i < end && isDigit(src[i])) i++;
    const intEnd = i;
    let fracEnd = intEnd;
    if (i < end && src[i] === DOT) {
      i++;
      const fracStart = i;
      while (i < end && isDigit(src[i])) i++;
      fracEnd = i;
      while (fracEnd > fracStart && src[fracEnd - 1] === ZERO) fracEnd--;
      if (fracEnd === fracStart) fracEnd = intEnd; // only zeros after the point: a whole number
    }
    if (i === end) {
      // No exponent: the text, without trailing zeros after the point, is what JavaScript prints
      // when it has at most 15 significant digits and a whole part that is not 0.
      const intDigits = intEnd - intStart;
      const fracDigits = fracEnd === intEnd ? 0 : fracEnd - intEnd - 1;
      if (src[intStart] !== ZERO && intDigits + fracDigits <= EXACT_DIGITS) {
        if (spec.type === 'integer') {
          if (fracDigits > 0) return false;
          if (spec.sqlType === 'INTEGER' && intDigits > 9) return this.printedNumber(src, f, spec);
          if (spec.eventTime && !withinEventTimes(src, start, intEnd)) return false;
        }
        this.ends[f] = fracEnd;
        return true;
      }
      if (src[intStart] === ZERO && fracEnd === intEnd) {
        this.texts[f] = '0'; // 0, -0, 0.0: JavaScript prints 0
        return true;
      }
    }
    return this.printedNumber(src, f, spec);
  }

  /** The rest: the number's value as JSON.parse gives it, checked as convert does, printed. */
  private printedNumber(src: Buffer, f: number, spec: FieldSpec): boolean {
    const n = Number(src.toString('latin1', this.starts[f], this.ends[f]));
    if (spec.type === 'integer') {
      if (!Number.isInteger(n) || !Number.isSafeInteger(n)) return false;
      if (spec.sqlType === 'INTEGER' && (n < -2147483648 || n > 2147483647)) return false;
      if (spec.eventTime && (n < EVENT_TIME_RANGE.min || n > EVENT_TIME_RANGE.max)) return false;
    } else if (!Number.isFinite(n)) {
      return false;
    }
    this.texts[f] = String(n);
    return true;
  }

  /** Writes the parsed line's values, each after a tab, at out.at (room reserved by the caller). */
  write(src: Buffer, out: RowBytes): void {
    const { fields, kinds, starts, ends, texts } = this;
    const buf = out.buf;
    let at = out.at;
    for (let f = 0; f < fields.length; f++) {
      buf[at++] = TAB;
      const kind = kinds[f];
      const text = texts[f];
      if (text !== undefined) {
        at += buf.write(text, at, 'utf8');
      } else if (kind === MISSING || kind === NULL) {
        buf[at++] = BACKSLASH;
        buf[at++] = LETTER_N;
      } else if (kind === ESCAPED) {
        at = this.flavour === 'csv' ? unescapeToCsv(src, starts[f], ends[f], buf, at) : unescapeToCopyText(src, starts[f], ends[f], buf, at);
      } else {
        const s = starts[f];
        const e = ends[f];
        if (e - s < 32) for (let i = s; i < e; i++) buf[at++] = src[i];
        else at += src.copy(buf, at, s, e);
      }
    }
    out.at = at;
  }
}

/** The end of the JSON number at `start`, or -1 when the text is not one (JSON's grammar: no leading zeros, no `+`, no bare `.`). */
function numberEnd(src: Buffer, start: number, end: number): number {
  let i = start;
  if (src[i] === MINUS) i++;
  if (i >= end) return -1;
  if (src[i] === ZERO) {
    i++;
  } else if (isDigit(src[i])) {
    while (i < end && isDigit(src[i])) i++;
  } else {
    return -1;
  }
  if (i < end && src[i] === DOT) {
    i++;
    const digits = i;
    while (i < end && isDigit(src[i])) i++;
    if (i === digits) return -1;
  }
  if (i < end && (src[i] === LOWER_E || src[i] === UPPER_E)) {
    i++;
    if (i < end && (src[i] === PLUS || src[i] === MINUS)) i++;
    const digits = i;
    while (i < end && isDigit(src[i])) i++;
    if (i === digits) return -1;
  }
  // A number runs into the next token: a digit or letter right after it is not JSON.
  if (i < end && !(isWhitespace(src[i]) || src[i] === COMMA || src[i] === CLOSE)) return -1;
  return i;
}

/** Empty, or at most 9 digits: a userId that checkEventUserId accepts as it is. */
function shortDigits(src: Buffer, start: number, end: number): boolean {
  if (end - start > 9) return false;
  for (let i = start; i < end; i++) if (!isDigit(src[i])) return false;
  return true;
}

/** Where the escape decodeEscape read ends in its source (the byte after it). */
let escapeEnd = 0;

/**
 * The JSON escape at src[at] (a backslash): the UTF-16 unit it stands for, or for a surrogate pair
 * (which parse checked) the code point of both; escapeEnd is left just after it.
 */
function decodeEscape(src: Buffer, at: number): number {
  const x = src[at + 1];
  escapeEnd = at + 2;
  if (x === LOWER_U) {
    const unit = hex4(src, at + 2);
    escapeEnd = at + 6;
    if (unit < 0xd800 || unit > 0xdbff) return unit;
    escapeEnd = at + 12;
    return 0x10000 + ((unit - 0xd800) << 10) + (hex4(src, at + 8) - 0xdc00);
  }
  if (x === LOWER_N) return NEWLINE;
  if (x === LOWER_T) return TAB;
  if (x === LOWER_R) return CR;
  if (x === LOWER_B) return 0x08;
  if (x === LOWER_F) return 0x0c;
  return x; // " \ /
}

/** A code point of 0x80 or more as UTF-8 at buf[at]; returns where it ends. */
function writeUtf8(point: number, buf: Buffer, at: number): number {
  if (point < 0x800) {
    buf[at++] = 0xc0 | (point >> 6);
  } else if (point < 0x10000) {
    buf[at++] = 0xe0 | (point >> 12);
    buf[at++] = 0x80 | ((point >> 6) & 0x3f);
  } else {
    buf[at++] = 0xf0 | (point >> 18);
    buf[at++] = 0x80 | ((point >> 12) & 0x3f);
    buf[at++] = 0x80 | ((point >> 6) & 0x3f);
  }
  buf[at++] = 0x80 | (point & 0x3f);
  return at;
}

/**
 * A JSON string's escaped bytes as a value of the CSV flavour (copyTextValue(…, 'csv') of the
 * decoded string, in UTF-8): decoded with every `"` doubled after an opening quote; the quotes stay
 * when the value holds a `"`, tab, newline or carriage return, or is `\N` itself, else the value
 * moves back over the opening quote. A JSON string holds none of these bytes except as an escape.
 * Lone surrogate and `\u0000` escapes never get here.
 */
function unescapeToCsv(src: Buffer, start: number, end: number, buf: Buffer, at: number): number {
  const open = at++;
  buf[open] = QUOTE;
  let quoted = false;
  let i = start;
  while (i < end) {
    const b = src[i];
    if (b !== BACKSLASH) {
      buf[at++] = b;
      i++;
      continue;
    }
    const unit = decodeEscape(src, i);
    i = escapeEnd;
    if (unit === QUOTE) {
      buf[at++] = QUOTE;
      buf[at++] = QUOTE;
      quoted = true;
    } else if (unit < 0x80) {
      if (unit === TAB || unit === NEWLINE || unit === CR) quoted = true;
      buf[at++] = unit;
    } else {
      at = writeUtf8(unit, buf, at);
    }
  }
  if (quoted || (at - open === 3 && buf[open + 1] === BACKSLASH && buf[open + 2] === LETTER_N)) {
    buf[at++] = QUOTE;
    return at;
  }
  buf.copyWithin(open, open + 1, at);
  return at - 1;
}

/**
 * A JSON string's escaped bytes as COPY text: the decoded value with backslash, tab, newline and
 * carriage return escaped again (copyTextValue), in UTF-8. Lone surrogate escapes never get here.
 */
function unescapeToCopyText(src: Buffer, start: number, end: number, buf: Buffer, at: number): number {
  let i = start;
  while (i < end) {
    const b = src[i];
    if (b !== BACKSLASH) {
      buf[at++] = b;
      i++;
      continue;
    }
    const unit = decodeEscape(src, i);
    i = escapeEnd;
    if (unit === BACKSLASH) {
      buf[at++] = BACKSLASH;
      buf[at++] = BACKSLASH;
    } else if (unit === TAB) {
      buf[at++] = BACKSLASH;
      buf[at++] = LOWER_T;
    } else if (unit === NEWLINE) {
      buf[at++] = BACKSLASH;
      buf[at++] = LOWER_N;
    } else if (unit === CR) {
      buf[at++] = BACKSLASH;
      buf[at++] = LOWER_R;
    } else if (unit < 0x80) {
      buf[at++] = unit;
    } else {
      at = writeUtf8(unit, buf, at);
    }
  }
  return at;
}
