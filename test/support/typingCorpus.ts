import fs from 'node:fs';
import path from 'node:path';
import { EVENT_FIELDS } from '../../src/etl/records';
import { goodEvent } from './badInputCorpus';

/**
 * Event lines that put every kind of JSON value into every field: what a typed read of a line
 * could get wrong. Strings that look like numbers or literals, whole and fractional numbers,
 * exponents, values at and past each column type's range, underflow and overflow, negative zero,
 * NaN and Infinity literals (DuckDB's reader takes them, JSON.parse does not), booleans, objects,
 * arrays, escapes and characters beyond the BMP. One line per (field, value), on top of a good event.
 */
export const TRICKY_JSON_VALUES: readonly string[] = [
  'null', '""', '" "', '"x"', '"12"', '" 12 "', '"012"', '"-5"', '"+5"', '"12.0"', '"1.5"', '"1e2"', '"-0"', '"0"',
  '"true"', '"false"', '"nan"', '"NaN"', '"inf"', '"Infinity"', '"[1]"', '"{}"', '"-"', '"Null"', '"infinity and beyond"',
  '"\\u00f3"', '"a\\"b"', '"\\/x\\/"', '"😀"', '"\\ud83d\\ude00"', '"Tab\\tNew\\nline\\r"', '"\\\\u0000"',
  '0', '-0', '12', '-7', '12.0', '12.5', '-12.5', '0.0', '-0.0', '1e2', '1E2', '-1e2', '1e-2', '1.5e300', '0.1',
  '3.141592653589793', '277.98911', '1540000000000.0', '1536682843796.0', '1.7976931348623157e308', '2.2250738585072014e-308',
  '4.9e-324', '1e999', '-1e999', '1e-999', '2147483647', '2147483648', '-2147483648', '-2147483649', '3000000000',
  '9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '99999999999999999999', '123456789012345678901234567890', '1.0e5', '100000000000000000000.0',
  'true', 'false', '{"a":1}', '{}', '[1,2]', '[]', '["x"]', 'NaN', '-NaN', 'nan', 'Infinity', '-Infinity', 'inf', 'INF', '-inf',
];

/** The lines: field by field, value by value, each a good event with that one field's value replaced. */
export function typingCorpusLines(): string[] {
  const lines: string[] = [];
  let i = 0;
  for (const field of EVENT_FIELDS) {
    for (const value of TRICKY_JSON_VALUES) {
      const base = JSON.stringify(goodEvent(i++, { [field.key]: `@@${field.key}@@` }));
      lines.push(base.replace(`"@@${field.key}@@"`, value));
    }
  }
  return lines;
}

/** Writes the lines as one daily event log under `root`; returns its key. */
export function writeTypingCorpus(root: string): string {
  const key = 'log_data/2018/12/2018-12-01-events.json';
  const file = path.join(root, ...key.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typingCorpusLines().join('\n') + '\n');
  return key;
}
