import { NO_RECORD_REASON } from '../src/activities/songFilesWithoutRecords';
import { goodSong } from './support/badInputCorpus';
import { everyStagingPath, STAGING_PATHS } from './support/everyStagingPath';

/**
 * A song file that holds no JSON object (only whitespace, an empty array) gives no record on any
 * path: DuckDB's reader, the worker's splitter and Redshift's COPY all read it as nothing. It is
 * kept as one rejected record with its file, line 1 and the reason, and counts in the reject rate;
 * it used to load as nothing, neither staged, rejected nor skipped.
 */
const FILES: Record<string, string> = {
  'song_data/A/A/A/TRGOOD.json': JSON.stringify(goodSong('G1')),
  'song_data/A/A/B/TRSPACES.json': '  \n\t\r\n ',
  'song_data/A/A/C/TREMPTYARRAY.json': '[]',
  'song_data/A/A/D/TRSPACEDARRAY.json': '[ \n ]\n',
  'song_data/A/A/E/TRBOMONLY.json': '\uFEFF\n',
};
const NO_RECORD = Object.keys(FILES).filter((k) => !k.endsWith('TRGOOD.json')).sort();
const { harness, target } = everyStagingPath('norecord', FILES);

/**
 * Where the engine itself rejects a file, that reject stands. Redshift's COPY with JSON 'auto'
 * rejects a top-level array as a load error (test/redshiftCorpus.test.ts, "songs: an array of
 * objects"); the other paths read an array's elements as records, and an empty one as none.
 */
const COPY_REJECTS_ARRAYS = (key: string): [number, RegExp] | null => (key.includes('ARRAY') ? [key.includes('SPACED') ? 2 : 1, /\(load error 1216\)$/] : null);

describe.each(STAGING_PATHS)('%s', (engine) => {
  const engineReject = engine === 'Redshift, COPY from S3' ? COPY_REJECTS_ARRAYS : () => null;
  let ref: { runId: string; source: string; warehouse: string };
  beforeAll(async () => {
    ref = { runId: `norecord-${engine.replace(/\W+/g, '-')}`, ...(await target(engine)) };
    await harness.activities.createSchema(ref);
  });

  const rejects = async () => {
    const warehouse = await harness.resources.warehouse(ref.warehouse);
    const rows = await warehouse.query(`SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = '${ref.runId}' AND kind = 'songs' ORDER BY source_key`);
    return rows.map((r) => [String(r.source_key), Number(r.source_line), String(r.reason)]);
  };

  test('each file without a record is one reject with file, line 1 and reason, counted in the result; a retry adds none', async () => {
    await harness.activities.listSourceFiles({ ...ref, window: null });
    const result = await harness.activities.stageSongs({ ...ref, maxRejectRate: 1 });
    expect({ read: result.recordsRead, staged: result.recordsStaged, rejected: result.recordsRejected }).toEqual({ read: 5, staged: 1, rejected: 4 });
    const expected = NO_RECORD.map((key) => {
      const [line, reason] = engineReject(key) ?? [1, NO_RECORD_REASON];
      return [key, line, typeof reason === 'string' ? reason : expect.stringMatching(reason)];
    });
    expect(result.rejectSamples.map((r) => [r.sourceKey, r.sourceLine, r.reason]).sort()).toEqual(expected);
    expect(await rejects()).toEqual(expected);

    const again = await harness.activities.stageSongs({ ...ref, maxRejectRate: 1 });
    expect(again).toEqual(result);
    expect(await rejects()).toHaveLength(4);
  }, 120_000);

  test('they count against the reject rate: staging fails over the limit that the other records pass, naming a file', async () => {
    await expect(harness.activities.stageSongs({ ...ref, maxRejectRate: 0.7 })).rejects.toThrow(
      /^4 of 5 songs records rejected \(80\.00%, limit 70\.00%\).*song_data\/A\/A\/B\/TRSPACES\.json:1 song file holds no JSON object/,
    );
  }, 120_000);
});
