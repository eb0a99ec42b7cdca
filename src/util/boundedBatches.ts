/**
 * `items` in order, in batches of at most `limit.count` items whose sizes (`sizeOf`) add up to at
 * most `limit.bytes`; an item bigger than that alone is a batch of its own.
 */
export function boundedBatches<T>(items: Iterable<T>, limit: { count: number; bytes: number }, sizeOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limit.count || bytes + size > limit.bytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
