/**
 * Python-compatible JSON fragments. Song files are `json.dumps(obj)` output and log lines
 * are compact with `/` escaped; both escape everything outside printable ASCII
 * (`ensure_ascii=True`), lower-case hex, astral characters as surrogate pairs.
 */

const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\/]/;

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

export function pyString(value: string, escapeSlash = false): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (ch === '/') out += escapeSlash ? '\\/' : '/';
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Python `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16), always a `.0` or exponent. */
export function pyFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip.
  const [mantissa, expText] = value.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    const expSign = exp < 0 ? '-' : '+';
    return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

export function pyInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

export function pyNullableString(value: string | null, escapeSlash = false): string {
  return value === null ? 'null' : pyString(value, escapeSlash);
}

export function pyNullableFloat(value: number | null): string {
  return value === null ? 'null' : pyFloat(value);
}

/** Text as Python would misread it after UTF-8 bytes were decoded as Latin-1 (mojibake). */
export function mojibake(value: string, times = 1): string {
  let out = value;
  for (let i = 0; i < times; i++) out = Buffer.from(out, 'utf8').toString('latin1');
  return out;
}
