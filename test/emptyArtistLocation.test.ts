import { goodSong } from './support/badInputCorpus';
import { everyStagingPath, STAGING_PATHS } from './support/everyStagingPath';

/**
 * An artist's location that a song file gives as "" (as many of the sample's do), as spaces only,
 * as null or not at all: staging keeps the text as the file has it, as Redshift's COPY does without
 * EMPTYASNULL and BLANKSASNULL ("" stays '', spaces stay spaces; null and a missing field are NULL),
 * and `artists.location` is NULL for all four, on purpose: one way to say "no location"
 * (sql/transform/artists.sql; README, "What the star tables mean"). The same on every staging path.
 */
const LOCATIONS: Record<string, unknown> = { EMPTY: '', SPACES: '   ', NULL: null, MISSING: undefined, GIVEN: ' Detroit,  MI ' };

const FILES = Object.fromEntries(
  Object.entries(LOCATIONS).map(([id, location]) => {
    const song = goodSong(id, { artist_latitude: null, artist_longitude: null, artist_location: location });
    if (location === undefined) delete song.artist_location;
    return [`song_data/A/B/C/TR${id}.json`, JSON.stringify(song)];
  }),
);
const { harness, target } = everyStagingPath('artistlocation', FILES);

describe.each(STAGING_PATHS)('%s', (engine) => {
  test("staging keeps the file's text, and artists.location is NULL for an empty, blank, null or missing location", async () => {
    const ref = { runId: `artistlocation-${engine.replace(/\W+/g, '-')}`, ...(await target(engine)) };
    await harness.activities.createSchema(ref);
    await harness.activities.listSourceFiles({ ...ref, window: null });
    const staged = await harness.activities.stageSongs({ ...ref, maxRejectRate: 0 });
    expect(staged.recordsStaged).toBe(5);
    await harness.activities.repairText(ref);
    await harness.activities.loadArtists(ref);
    const warehouse = await harness.resources.warehouse(ref.warehouse);
    const staging = await warehouse.query(`SELECT artist_id, artist_location FROM staging_songs WHERE run_id = '${ref.runId}' ORDER BY artist_id`);
    expect(staging).toEqual([
      { artist_id: 'AREMPTY', artist_location: '' },
      { artist_id: 'ARGIVEN', artist_location: ' Detroit,  MI ' },
      { artist_id: 'ARMISSING', artist_location: null },
      { artist_id: 'ARNULL', artist_location: null },
      { artist_id: 'ARSPACES', artist_location: '   ' },
    ]);
    expect(await warehouse.query('SELECT artist_id, location FROM artists ORDER BY artist_id')).toEqual([
      { artist_id: 'AREMPTY', location: null },
      { artist_id: 'ARGIVEN', location: 'Detroit, MI' },
      { artist_id: 'ARMISSING', location: null },
      { artist_id: 'ARNULL', location: null },
      { artist_id: 'ARSPACES', location: null },
    ]);
  }, 120_000);
});
