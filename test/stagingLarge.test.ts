import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

/**
 * One large daily log (1M lines, 200k of them bad and 3 KB long) staged with flat memory: the worker
 * streams lines and never holds the file, the result set or the rejects. Measured in-process on
 * PostgreSQL, where the worker's RSS is the worker's alone (DuckDB's buffers live in-process).
 */
const GOOD = 800_000;
const BAD = 200_000;
/**
 * Generous (garbage not yet collected counts too), but well under what holding the rejects would
 * take: their raw text alone is ~600 MB, the file ~720 MB.
 */
const MAX_RSS_GROWTH = 384 * 1024 * 1024;

let pg: PgServer;
let dir: string;

beforeAll(async () => {
  pg = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-staging-large-'));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function writeLargeLog(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file);
  const t0 = Date.UTC(2018, 10, 1);
  const filler = 'x'.repeat(3000);
  for (let i = 0; i < GOOD + BAD; i++) {
    // Every fifth line is bad: a long record cut short (invalid JSON).
    const line =
      i % 5 === 4
        ? `{"page":"NextSong","userAgent":"${filler}`
        : `{"page":"NextSong","ts":${t0 + i},"sessionId":${i % 5000},"itemInSession":${i % 100},"userId":"${i % 1000}","song":"S${i}"}`;
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

test('a 1M-line log stages every record with flat worker memory', async () => {
  const source = path.join(dir, 'data');
  await writeLargeLog(path.join(source, 'log_data', '2018', '11', '2018-11-01-events.json'));
  const warehouse = await createTestDatabase(pg.url, 'large');
  const resources = new Resources({ s3: {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const ref = { runId: 'large', source, warehouse };
  try {
    await activities.createSchema(ref);
    await activities.listSourceFiles({ ...ref, window: null });

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    let result;
    try {
      result = await activities.stageEvents({ ...ref, maxRejectRate: 0.5 });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(result).toMatchObject({ recordsRead: GOOD + BAD, recordsStaged: GOOD, recordsRejected: BAD });
    const db = await resources.warehouse(warehouse);
    expect(await db.query("SELECT COUNT(*) AS n, MAX(source_line) AS last FROM staging_events WHERE run_id = 'large'")).toEqual([{ n: GOOD, last: GOOD + BAD - 1 }]); // the last line (i = 999999) is bad
    expect(await db.query("SELECT COUNT(*) AS n FROM etl_rejected_records WHERE run_id = 'large' AND reason LIKE 'invalid JSON%'")).toEqual([{ n: BAD }]);
    const growthMb = Math.round((peak - baseline) / 2 ** 20);
    expect({ rssGrowthMb: growthMb, withinMb: growthMb <= MAX_RSS_GROWTH / 2 ** 20 }).toEqual({ rssGrowthMb: growthMb, withinMb: true });
  } finally {
    await resources.close();
  }
}, 900_000);
