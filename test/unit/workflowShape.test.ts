/** The shape checker the workflow sandbox uses for inputs: what it accepts, and where and how it says what is wrong. */
import {
  array,
  atLeast,
  atMost,
  boolean,
  either,
  integer,
  issuesWith,
  matches,
  maxLength,
  nullable,
  number,
  object,
  oneOf,
  optional,
  string,
  tagged,
  unknown,
} from '../../src/workflows/shape';

const said = (shape: Parameters<typeof issuesWith>[0], value: unknown) => issuesWith(shape, value).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('shapes', () => {
  test('types: each names what it expected and what it got', () => {
    expect(said(string(), 3)).toEqual([': expected string, got number']);
    expect(said(number(), 'x')).toEqual([': expected number, got string']);
    expect(said(number(), NaN)).toEqual([': expected number, got number']);
    expect(said(boolean, null)).toEqual([': expected boolean, got null']);
    expect(said(object({}, { strict: false }), [])).toEqual([': expected object, got array']);
    expect(said(array(string()), undefined)).toEqual([': expected array, got nothing']);
    expect(said(unknown, Symbol('anything'))).toEqual([]);
  });

  test('rules on well-typed values', () => {
    expect(said(number(integer, atLeast(1), atMost(100)), 0)).toEqual([': must be ≥ 1, got 0']);
    expect(said(number(integer, atLeast(1), atMost(100)), 1.5)).toEqual([': must be an integer, got 1.5']);
    expect(said(number(integer, atLeast(1), atMost(100)), 101)).toEqual([': must be ≤ 100, got 101']);
    expect(said(number(integer, atLeast(1), atMost(100)), 100)).toEqual([]);
    expect(said(string(maxLength(3), matches(/^[a-z]+$/, 'is not lower case')), 'ABCD')).toEqual([': is longer than 3 characters', ': is not lower case']);
    expect(said(oneOf(['a', 'b']), 'c')).toEqual([': "c" is not one of a, b']);
  });

  test('optional takes undefined only; nullable takes null only', () => {
    expect(said(optional(string()), undefined)).toEqual([]);
    expect(said(optional(string()), null)).toEqual([': expected string, got null']);
    expect(said(nullable(string()), null)).toEqual([]);
    expect(said(nullable(string()), undefined)).toEqual([': expected string, got nothing']);
  });

  test('objects: paths to nested fields and array items; unknown fields refused when strict, passed when not', () => {
    const item = object({ name: string() }, { strict: true });
    const shape = object({ items: array(item, { max: 2 }) }, { strict: false });
    expect(said(shape, { items: [{ name: 'a' }, { name: 1 }], newer: true })).toEqual(['items.1.name: expected string, got number']);
    expect(said(shape, { items: [{ name: 'a', sql: '1=1', more: 2 }] })).toEqual(['items.0: has fields it does not accept: sql, more']);
    expect(said(shape, { items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })).toEqual(['items: must hold at most 2 items, holds 3']);
  });

  test('an object rule runs once every field is well-formed, and names its field', () => {
    const range = object({ from: number(), to: number() }, { strict: false, rules: [(v) => ((v.from as number) <= (v.to as number) ? undefined : { field: 'to', message: 'from is after to' })] });
    expect(said(range, { from: 2, to: 1 })).toEqual(['to: from is after to']);
    expect(said(range, { from: 'x', to: 1 })).toEqual(['from: expected number, got string']);
    expect(said(range, { from: 1, to: 2 })).toEqual([]);
  });

  test('tagged: the tag picks the shape; an unknown tag lists the known ones', () => {
    const rule = tagged('kind', { a: object({ kind: unknown, n: number() }, { strict: true }), b: object({ kind: unknown }, { strict: true }) });
    expect(said(rule, { kind: 'a', n: 1 })).toEqual([]);
    expect(said(rule, { kind: 'a', n: '1' })).toEqual(['n: expected number, got string']);
    expect(said(rule, { kind: 'b', n: 1 })).toEqual([': has fields it does not accept: n']);
    expect(said(rule, { kind: 'c' })).toEqual(['kind: "c" is not one of a, b']);
    expect(said(rule, {})).toEqual(['kind: nothing is not one of a, b']);
    expect(said(rule, { kind: 'toString' })).toEqual(['kind: "toString" is not one of a, b']);
  });

  test('either: the first that fits; else the issue of the shape whose type matched', () => {
    const duration = either(number(atLeast(1)), string(matches(/^\d+s$/, 'is not like "30s"')));
    expect(said(duration, 5)).toEqual([]);
    expect(said(duration, '30s')).toEqual([]);
    expect(said(duration, 'soon')).toEqual([': is not like "30s"']);
    expect(said(duration, 0)).toEqual([': must be ≥ 1, got 0']);
    expect(said(duration, true)).toEqual([': is not of an accepted type, got boolean']);
  });
});
