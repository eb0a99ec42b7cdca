import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { RunWindow } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { STAR_TABLES } from '../src/etl/dag';
import { copySampleDays } from './support/sampleDays';

/**
 * Two runs whose windows overlap, on one warehouse (a range and a date inside it: different
 * workflow ids, so nothing keeps them apart), with the second staging between the first's staging
 * and its publish. The second's staging deleted the rows the first had staged for the same files
 * (the shared log and every new song file), and the first then replaced its days with nothing:
 * the overlapping date's plays, and the songs and artists, were gone while both runs completed.
 */
const DAYS = ['2018-11-01', '2018-11-02', '2018-11-03'];

let dir: string;
let source: string;
let resources: Resources;
let activities: ReturnType<typeof createActivities>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-overlap-'));
  source = path.join(dir, 'data');
  copySampleDays(source, DAYS);
  resources = new Resources({ s3: {}, log: silentLogger });
  activities = createActivities({ resources, log: silentLogger });
});
afterAll(async () => {
  await resources.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Ref = { runId: string; source: string; warehouse: string };

async function stage(ref: Ref, window: RunWindow): Promise<void> {
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window });
  await activities.stageEvents({ ...ref, maxRejectRate: 0.1 });
  await activities.stageSongs({ ...ref, maxRejectRate: 0.1 });
}

async function publish(ref: Ref): Promise<void> {
  await activities.repairText(ref);
  await Promise.all([activities.loadSongs(ref), activities.loadArtists(ref), activities.loadUsers(ref), activities.loadTime(ref)]);
  await activities.loadSongplays({ ...ref, durationTolerance: 2 });
}

async function starTables(warehouse: string): Promise<Record<string, unknown[]>> {
  const opened = await resources.warehouse(warehouse);
  const tables: Record<string, unknown[]> = {};
  for (const table of STAR_TABLES) tables[table] = await opened.query(`SELECT * FROM ${table} ORDER BY ALL`);
  return tables;
}

const range: RunWindow = { from: DAYS[0], to: DAYS[2] };
const date: RunWindow = { from: DAYS[1], to: DAYS[1] };

test('a run staging between another run\'s staging and its publish leaves that run\'s rows, and both publish every day', async () => {
  const clean = `duckdb:${path.join(dir, 'clean.duckdb')}`;
  const cleanRef = { runId: 'clean-range', source, warehouse: clean };
  await stage(cleanRef, range);
  await publish(cleanRef);
  const expected = await starTables(clean);
  expect(expected.songplays.length).toBeGreaterThan(0);
  expect(expected.songs.length).toBe(71);

  const warehouse = `duckdb:${path.join(dir, 'overlap.duckdb')}`;
  const first = { runId: 'sparkify-etl-2018-11-01_2018-11-03', source, warehouse };
  const second = { runId: 'sparkify-etl-2018-11-02', source, warehouse };
  await stage(first, range);
  const opened = await resources.warehouse(warehouse);
  const stagedRows = async (runId: string) => {
    const [events] = await opened.query(`SELECT COUNT(*) AS n FROM staging_events WHERE run_id = '${runId}'`);
    const [songs] = await opened.query(`SELECT COUNT(*) AS n FROM staging_songs WHERE run_id = '${runId}'`);
    return { events: Number(events.n), songs: Number(songs.n) };
  };
  const firstStaged = await stagedRows(first.runId);

  await stage(second, date);
  expect(await stagedRows(first.runId)).toEqual(firstStaged);

  await publish(first);
  await publish(second);
  expect(await starTables(warehouse)).toEqual(expected);
}, 120_000);
