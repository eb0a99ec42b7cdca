/**
 * boundedBatches (src/util/boundedBatches.ts): what DuckDB's direct staging groups its files by
 * (src/staging/stageDirect.ts batchesOf) and the ledger its keys by (src/ledger/loaded.ts).
 */
import { boundedBatches } from '../../src/util/boundedBatches';

const sizes: Record<string, number> = { a: 4, b: 4, c: 4, d: 9, e: 1, f: 1, g: 1 };
const size = (key: string) => sizes[key];

test('a batch ends at the count or before the item that would take it past the bytes, in order', () => {
  expect(boundedBatches(Object.keys(sizes), { count: 3, bytes: 100 }, size)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  expect(boundedBatches(Object.keys(sizes), { count: 10, bytes: 8 }, size)).toEqual([['a', 'b'], ['c'], ['d'], ['e', 'f', 'g']]);
});

test('an item bigger than the bytes alone is a batch of its own; nothing is a batch of nothing', () => {
  expect(boundedBatches(['e', 'd', 'f'], { count: 10, bytes: 5 }, size)).toEqual([['e'], ['d'], ['f']]);
  expect(boundedBatches([], { count: 10, bytes: 5 }, size)).toEqual([]);
  expect(boundedBatches(['a', 'b'], { count: 10, bytes: Infinity }, size)).toEqual([['a', 'b']]);
});
