import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../src/etl/types';
import { buildInsights, renderHtml, renderTerminal, type InsightData } from '../src/insights';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { viewReport } from './support/insightBrowser';
import { expectedInsights as computeExpectedInsights, TOP_N } from './support/insightExpectations';
import { expectTopN } from './support/ranking';
import { startEmulatedRedshift } from './support/emulatedRedshift';
import type { RedshiftEmulator } from './support/redshift-emulator';
import { runSparkify } from './support/cli';
import { withOpenedWarehouse } from './harness/openedWarehouse';

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let tmp: string;
let duckFile: string;
let duckRun: RunSummary;
let pgUrl: string;
let pgRun: RunSummary;
let redshift: RedshiftEmulator;
let redshiftUri: string;
let redshiftRun: RunSummary;
const REPORT_BUCKET = 'sparkify-reports';

/** The CLI as a user runs it, over the built dist/ (commander is ESM-only, so not in-process). */
function sparkify(args: string[]) {
  return runSparkify(args, { cwd: tmp, env: { SPARKIFY_LOG_LEVEL: 'warn' }, unset: ['SPARKIFY_WAREHOUSE'], timeoutMs: 120_000 });
}

beforeAll(async () => {
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-insights-'));
  await uploadDirectory(s3, SAMPLE_DIR, 'sparkify-raw', 'udacity/');
  await s3.client().send(new CreateBucketCommand({ Bucket: REPORT_BUCKET }));

  // The sample, loaded by the real workflow: from the directory into DuckDB with the report in its
  // default place (beside the DuckDB file), and from S3 into PostgreSQL with the report under an S3
  // prefix, and into Redshift through the Data API emulator (the Redshift dialect of every insight
  // query). The three runs share nothing (own worker, own warehouse), so they run at once.
  duckFile = path.join(tmp, 'warehouse.duckdb');
  pgUrl = await createTestDatabase(pg.url, 'insights');
  ({ emulator: redshift, uri: redshiftUri } = await startEmulatedRedshift(pg, s3, 'insights_rs'));
  const [w1, w2, w3] = await Promise.all([1, 2, 3].map(() => temporal.worker({ s3: s3.settings })));
  [duckRun, pgRun, redshiftRun] = await Promise.all([
    w1.run({ source: SAMPLE_DIR, warehouse: `duckdb:${duckFile}` }, 'insights-duckdb').then(async (run) => {
      // A DuckDB file has one writer: let go of it so the tests (and the CLI's process) can open it.
      await w1.resources.close();
      return run;
    }),
    w2.run({ source: 's3://sparkify-raw/udacity', warehouse: pgUrl, reportTo: `s3://${REPORT_BUCKET}/runs` }, 'insights-postgres'),
    w3.run({ source: 's3://sparkify-raw/udacity', warehouse: redshiftUri, reportTo: `s3://${REPORT_BUCKET}/redshift` }, 'insights-redshift'),
  ]);
});

afterAll(async () => {
  await redshift?.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * The independent computation from the raw files, once per window: it reads and repairs every
 * event, which costs seconds, and every engine's tests compare against the same answer.
 */
const expectedByWindow = new Map<string, ReturnType<typeof computeExpectedInsights>>();
function expectedInsights(root: string, window: { from: string; to: string } | null): ReturnType<typeof computeExpectedInsights> {
  const key = JSON.stringify([root, window]);
  let want = expectedByWindow.get(key);
  if (want === undefined) {
    want = computeExpectedInsights(root, window);
    expectedByWindow.set(key, want);
  }
  return want;
}

type Engine = 'duckdb' | 'postgres' | 'redshift';
const ENGINES: Engine[] = ['duckdb', 'postgres', 'redshift'];

function withWarehouse<T>(kind: Engine, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  return withOpenedWarehouse<Warehouse, T>(
    () => (kind === 'duckdb' ? DuckDbWarehouse.open(duckFile) : kind === 'postgres' ? new PostgresWarehouse(pgUrl) : new RedshiftWarehouse(parseRedshiftUri(redshiftUri))),
    fn,
  );
}

/** The report's headline numbers, in order (plays first). */
function headlineFigures(html: string): string[] {
  return [...html.matchAll(/<div class="figure"><b>([^<]*)<\/b>/g)].map((m) => m[1]);
}

/** Every business insight against the independent computation from the raw files. */
function expectMatchesRawFiles(data: InsightData, window: { from: string; to: string } | null): void {
  const want = expectedInsights(SAMPLE_DIR, window);
  expect(data.activity).toEqual(want.activity);

  expect(data.content.plays).toBe(want.content.plays);
  expect(data.content.matchedPlays).toBe(want.content.matchedPlays);
  expect(data.content.unmatchedPlays).toBe(want.content.plays - want.content.matchedPlays);
  expect(data.content.matchDaily).toEqual(want.content.matchDaily);
  // Top lists: the best counts in order; among items tied at the N-th place the product picks (support/ranking.ts).
  const byPlays = (r: { plays: number }) => r.plays;
  expectTopN(data.content.topSongs.map(({ songId, title, plays, listeners }) => ({ songId, title, plays, listeners })), want.content.topSongs, TOP_N, byPlays);
  expectTopN(data.content.topArtists.map(({ artistId, plays, listeners }) => ({ artistId, plays, listeners })), want.content.topArtists, TOP_N, byPlays);
  for (const a of data.content.topArtists) expect(want.content.artistNames(a.artistId)).toContain(a.name);
  // What was played, by the plays' own (repaired) names, next to the catalogue lists.
  expectTopN(data.content.playedSongs, want.content.playedSongs, TOP_N, byPlays);
  expectTopN(data.content.playedArtists, want.content.playedArtists, TOP_N, byPlays);

  expect(data.revenue).toEqual(want.revenue);

  const { sessionLengths, playsPerSession, sessionsPerUser, topUsers, ...totals } = data.engagement;
  const { sessionLengths: wantLengths, playsPerSession: wantPlays, sessionsPerUser: wantUsers, topUsers: wantTopUsers, ...wantTotals } = want.engagement;
  expect(totals).toEqual(wantTotals);
  expectTopN(topUsers, wantTopUsers, TOP_N, byPlays);
  expect(sessionLengths.map((b) => b.count)).toEqual(wantLengths);
  expect(playsPerSession.map((b) => b.count)).toEqual(wantPlays);
  expect(sessionsPerUser.map((b) => b.count)).toEqual(wantUsers);

  expectTopN(data.audience.locations, want.audience.locations, TOP_N, byPlays);
  expectTopN(data.audience.platforms, want.audience.platforms, Infinity, byPlays);
  expectTopN(data.audience.browsers, want.audience.browsers, Infinity, byPlays);
}

describe('insights on the real sample', () => {
  test.each(ENGINES)('every insight from %s equals what the raw files say', async (kind) => {
    const data = await withWarehouse(kind, async (w) => (await buildInsights(w, null)).data);
    expect(data.content.plays).toBeGreaterThan(6000);
    expect(data.revenue.levelChanges.reduce((s, d) => s + d.submitUpgrades, 0)).toBeGreaterThan(0);
    expectMatchesRawFiles(data, null);
  });

  test.each(ENGINES)('a window on %s counts only its days (level changes still see the events before it)', async (kind) => {
    const window = { from: '2018-11-10', to: '2018-11-20' };
    const data = await withWarehouse(kind, async (w) => (await buildInsights(w, window)).data);
    expect(data.activity.daily.map((d) => d.day)).toEqual(Array.from({ length: 11 }, (_, i) => `2018-11-${10 + i}`));
    expectMatchesRawFiles(data, window);
  });

  test('operations: each engine lists its run with the rows it loaded, its rejects and its checks', async () => {
    for (const [kind, run] of [['duckdb', duckRun], ['postgres', pgRun], ['redshift', redshiftRun]] as const) {
      const ops = await withWarehouse(kind, async (w) => (await buildInsights(w, null)).data.operations);
      expect(ops.runs).toEqual([
        {
          runId: run.runId,
          window: 'all files',
          startedAt: expect.any(String),
          eventsStaged: run.staging.events.recordsStaged,
          songsStaged: run.staging.songs.recordsStaged,
          plays: run.matches.plays,
          rejected: 0,
          reportError: null,
          reportRecorded: true,
        },
      ]);
      expect(ops.rejected).toEqual([]);
      const failedWarnings = run.checks.filter((c) => c.status === 'fail' && c.severity === 'warn').length;
      expect(ops.quality).toEqual([
        { runId: run.runId, startedAt: ops.runs[0].startedAt, passed: run.checks.filter((c) => c.status === 'pass').length, warned: failedWarnings, failed: 0 },
      ]);
    }
  });

  test('the takeaways state the numbers, including how many plays no top list can see', async () => {
    const report = await withWarehouse('duckdb', (w) => buildInsights(w, null));
    const want = expectedInsights(SAMPLE_DIR, null);
    const takeaway = (id: string) => report.sections.flatMap((s) => s.charts).find((c) => c.id === id)!.takeaway;
    // The sample has one busiest day and one peak hour, so no tie-break of the takeaway's picks them.
    const busiest = [...want.activity.daily].sort((a, b) => b.plays - a.plays)[0];
    expect(want.activity.daily.filter((d) => d.plays === busiest.plays)).toHaveLength(1);
    expect(takeaway('plays-per-day')).toContain(`The busiest day was ${busiest.day} with ${busiest.plays} plays`);
    const peak = [...want.activity.byHour].sort((a, b) => b.plays - a.plays)[0];
    expect(want.activity.byHour.filter((h) => h.plays === peak.plays)).toHaveLength(1);
    expect(takeaway('plays-by-hour')).toContain(`peaks at ${String(peak.hour).padStart(2, '0')}:00 UTC`);
    const unmatched = (want.content.plays - want.content.matchedPlays).toLocaleString('en-US');
    // 6,819 of 6,820 is 99.985%: shown with the decimals that keep it from reading as 100%.
    const unmatchedShare = ((100 * (want.content.plays - want.content.matchedPlays)) / want.content.plays).toFixed(2);
    expect(takeaway('top-songs')).toContain(`${unmatched} plays (${unmatchedShare}%) could not be matched to a song`);
    const paid = want.revenue.byLevel.find((l) => l.level === 'paid')!;
    const paidShare = ((paid.plays / want.content.plays) * 100).toFixed(1);
    expect(takeaway('level-share')).toContain(`account for ${paidShare}% of plays`);
    for (const chart of report.sections.flatMap((s) => s.charts)) {
      expect(chart.title).not.toBe('');
      expect(chart.xLabel).not.toBe('');
      expect(chart.yLabel).not.toBe('');
      expect(chart.takeaway).toMatch(/\.$/);
    }
  });

  test('what was played: the lists by the plays\' own names show what the catalogue lists cannot, and say which is which', async () => {
    const report = await withWarehouse('duckdb', (w) => buildInsights(w, null));
    const c = report.data.content;
    // On the sample nearly no play matches the catalogue: the played lists still rank real songs.
    expect(c.playedSongs).toHaveLength(10);
    expect(c.playedSongs[0].plays).toBeGreaterThan(c.topSongs[0]?.plays ?? 0);
    expect(c.playedArtists[0].plays).toBeGreaterThan(c.playedSongs[0].plays);
    const chart = (id: string) => report.sections.flatMap((s) => s.charts).find((x) => x.id === id)!;
    expect(chart('played-songs').title).toMatch(/as the plays name them/);
    expect(chart('top-songs').title).toMatch(/catalogue/);
    const matched = c.playedSongs.reduce((s, r) => s + r.matchedPlays, 0);
    const total = c.playedSongs.reduce((s, r) => s + r.plays, 0);
    const covered = c.playedSongs.filter((r) => r.matchedPlays > 0).length;
    expect(chart('played-songs').takeaway).toContain(`"${c.playedSongs[0].title}" by ${c.playedSongs[0].artist} was played most (${c.playedSongs[0].plays} plays`);
    expect(chart('played-songs').takeaway).toContain(`Catalogue coverage of these top 10: ${covered} of the 10 songs had a play matched to the catalogue, and ${matched} play`);
    expect(chart('played-songs').takeaway).toContain(`of their ${total} (`);
    const section = report.sections.find((s) => s.id === 'content')!;
    expect(section.notes[0]).toMatch(/"as the plays name them" counts every play.*"catalogue" lists count only the plays matched/);
    const text = renderTerminal(report);
    expect(text).toContain('Most played songs, as the plays name them');
    expect(text).toContain(`${c.playedArtists[0].name}`);
  });

  test('a window without plays: every chart says so, and the HTML holds no NaN or Infinity', async () => {
    const report = await withWarehouse('duckdb', (w) => buildInsights(w, { from: '2019-01-01', to: '2019-01-31' }));
    const playCharts = report.sections.filter((s) => s.id !== 'operations').flatMap((s) => s.charts);
    for (const chart of playCharts) expect({ id: chart.id, takeaway: chart.takeaway }).toEqual({ id: chart.id, takeaway: expect.stringMatching(/^No (plays|events) in this window\.$/) });
    const html = renderHtml(report);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html).toContain('No data in this window');
  });

  test('the run wrote its report as its last step: beside the DuckDB file by default, S3 objects for the PostgreSQL and Redshift runs', async () => {
    expect(duckRun.report).toBe(path.join(tmp, 'reports', 'insights-duckdb.html'));
    const local = fs.readFileSync(duckRun.report!, 'utf8');
    expect(local).toMatch(/^<!doctype html>/);
    expect(local).toContain('Sparkify insights');
    expect(duckRun.steps.writeReport.status).toBe('completed');

    expect(pgRun.report).toBe(`s3://${REPORT_BUCKET}/runs/insights-postgres.html`);
    const object = await s3.client().send(new GetObjectCommand({ Bucket: REPORT_BUCKET, Key: 'runs/insights-postgres.html' }));
    expect(object.ContentType).toMatch(/^text\/html/);
    const remote = await object.Body!.transformToString();
    expect(remote).toContain('Sparkify insights');
    // Both engines' reports carry the same figures (PostgreSQL's was built from its own tables).
    expect(headlineFigures(remote)).toEqual(headlineFigures(local));
    expect(redshiftRun.report).toBe(`s3://${REPORT_BUCKET}/redshift/insights-redshift.html`);
    const fromRedshift = await s3.client().send(new GetObjectCommand({ Bucket: REPORT_BUCKET, Key: 'redshift/insights-redshift.html' }));
    expect(headlineFigures(await fromRedshift.Body!.transformToString())).toEqual(headlineFigures(local));
    expect(headlineFigures(local)[0]).toBe(expectedInsights(SAMPLE_DIR, null).content.plays.toLocaleString('en-US'));
  });

  test("a run for one day with reportTo a directory reports that day's plays there", async () => {
    const day = '2018-11-15';
    const dir = path.join(tmp, 'day-reports');
    const w = await temporal.worker({ s3: s3.settings });
    const summary = await w.run(
      { source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'day.duckdb')}`, window: { from: day, to: day }, reportTo: dir },
      'insights-one-day',
    );
    await w.resources.close();
    expect(summary.report).toBe(path.join(dir, 'insights-one-day.html'));
    const html = fs.readFileSync(summary.report!, 'utf8');
    expect(html).toContain(`<p>${day} · `);
    const plays = expectedInsights(SAMPLE_DIR, { from: day, to: day }).content.plays;
    expect(headlineFigures(html)[0]).toBe(plays.toLocaleString('en-US'));
  });

  test('sparkify insights prints tables, writes JSON and HTML, and rejects bad flags with exit 2', () => {
    if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const warehouse = `duckdb:${duckFile}`;
    const table = sparkify(['insights', '--warehouse', warehouse]);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('Plays per day');
    expect(table.stdout).toMatch(/Plays by hour of day\n/);
    const { plays, matchedPlays } = expectedInsights(SAMPLE_DIR, null).content;
    expect(table.stdout).toContain(`${(plays - matchedPlays).toLocaleString('en-US')} plays could not be matched`);

    const json = sparkify(['insights', '--warehouse', warehouse, '--from', '2018-11-10', '--to', '2018-11-20', '--format', 'json']);
    expect(json.status).toBe(0);
    const parsed = JSON.parse(json.stdout) as { window: unknown; data: InsightData };
    expect(parsed.window).toEqual({ from: '2018-11-10', to: '2018-11-20' });
    expect(parsed.data.activity).toEqual(expectedInsights(SAMPLE_DIR, { from: '2018-11-10', to: '2018-11-20' }).activity);

    const htmlFile = path.join(tmp, 'cli', 'report.html');
    const html = sparkify(['insights', '--warehouse', warehouse, '--format', 'html', '--out', htmlFile]);
    expect(html.status).toBe(0);
    expect(html.stdout).toContain(`Wrote the html report to ${htmlFile}`);
    expect(fs.readFileSync(htmlFile, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<svg class="chart"/);

    // On PostgreSQL every transaction of the read commands is read-only: the report's settings and queries run in them.
    const onPostgres = sparkify(['insights', '--warehouse', pgUrl, '--from', '2018-11-10', '--to', '2018-11-20', '--format', 'json']);
    expect(onPostgres.stderr).toBe('');
    expect((JSON.parse(onPostgres.stdout) as { data: InsightData }).data.activity).toEqual(parsed.data.activity);

    for (const bad of [['--format', 'xml'], ['--from', '2018-11-10'], ['--from', '2018-11-31', '--to', '2018-12-01']]) {
      const result = sparkify(['insights', '--warehouse', warehouse, ...bad]);
      expect({ bad, status: result.status }).toEqual({ bad, status: 2 });
      expect(result.stderr).toMatch(/--format|--from|--to/);
    }
  });

  test('the HTML report in headless Chromium: every chart rendered and visible, nothing fetched, no console errors', async () => {
    const file = duckRun.report!;
    const report = await withWarehouse('duckdb', (w) => buildInsights(w, null));
    const expectedCharts = report.sections.flatMap((s) => s.charts);
    // A temp file: the tracked docs/insights.png is regenerated only by `npm run docs:screenshot`.
    const screenshot = path.join(tmp, 'insights.png');
    const view = await viewReport(file, { path: screenshot, height: 1500 });

    expect(view.consoleErrors).toEqual([]);
    expect(view.requests).toEqual([`file://${file}`]);
    expect(view.charts.map((c) => c.id)).toEqual(expectedCharts.map((c) => c.id));
    for (const [i, chart] of view.charts.entries()) {
      const want = expectedCharts[i];
      expect({ id: chart.id, visible: chart.visible }).toEqual({ id: want.id, visible: true });
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.marks).toBeGreaterThan(0);
      expect(chart.title).toBe(want.title);
      expect(chart.takeaway).toBe(want.takeaway);
      expect(chart.axisLabels).toEqual([want.xLabel, want.yLabel]);
    }
    // The lists of what was played sit beside the catalogue lists, each saying which it is.
    expect(view.charts.map((c) => c.id)).toEqual(expect.arrayContaining(['played-songs', 'played-artists', 'top-songs', 'top-artists']));
    expect(view.charts.find((c) => c.id === 'played-songs')!.takeaway).toMatch(/Catalogue coverage of these top 10/);
    expect(view.tableCaptions).toEqual(expect.arrayContaining(['Most played songs, as the plays name them', 'Most played artists, as the plays name them', 'Top catalogue songs (matched plays only)']));
    expect(view.tableRows['Most played songs, as the plays name them']).toBe(report.data.content.playedSongs.length);
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
  });
});
