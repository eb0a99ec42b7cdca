import fs from 'node:fs';
import path from 'node:path';
import { RejectSpool } from '../../src/activities/rejectSpool';

/** The rows path's rejects wait in a file, not in memory, and come back whole and in order. */
const reject = (i: number) => ({ sourceKey: `log_data/${i % 7}.json`, sourceLine: i, reason: `field "ts" is missing (${i})`, raw: `{"n":${i},"s":"${'é\n\u2028'.repeat(300)}"}` });

test('rejects go to the file as they come, and are read back in order with the first as samples', async () => {
  const spool = RejectSpool.open(5);
  try {
    for (let i = 1; i <= 2_000; i++) spool.add(reject(i));
    // About 2 MB of rejects: all but the last piece are already on disk.
    expect(fs.statSync(spool.file).size).toBeGreaterThan(1_000_000);
    expect(spool.count).toBe(2_000);
    expect(spool.samples.map((r) => r.sourceLine)).toEqual([1, 2, 3, 4, 5]);
    const back = [];
    for await (const r of spool.records()) back.push(r);
    expect(back).toHaveLength(2_000);
    expect(back[1_234]).toEqual(reject(1_235));
    expect(back.map((r) => r.sourceLine)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
  } finally {
    spool.remove();
  }
  expect(fs.existsSync(path.dirname(spool.file))).toBe(false);
});

test('no rejects: nothing to read back, and the file is removed', async () => {
  const spool = RejectSpool.open(5);
  const back = [];
  for await (const r of spool.records()) back.push(r);
  spool.remove();
  expect(back).toEqual([]);
  expect(fs.existsSync(path.dirname(spool.file))).toBe(false);
});
