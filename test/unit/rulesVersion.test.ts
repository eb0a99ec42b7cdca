/**
 * RULES_VERSION (src/etl/versions.ts) is bumped when what a loaded file gives can change: song files
 * loaded under an older version are staged again, and `backfill --only-stale` re-runs the dates
 * whose logs were. Nothing else tells a release that its rules changed, so this test holds a digest
 * of every file that decides which rows land in the star tables, and fails when one changes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RULES_VERSION } from '../../src/etl/versions';

const ROOT = path.resolve(__dirname, '../..');

/** Every file under these folders (staging and the publishes, on every engine). */
const RULE_FOLDERS = ['sql/staging', 'sql/transform'];
/** And these files: what the SQL above gets as input, or its fragments. */
const RULE_FILES = [
  // The staging and star tables' column types.
  'sql/schema/staging_events.sql',
  'sql/schema/staging_songs.sql',
  'sql/schema/songplays.sql',
  'sql/schema/users.sql',
  'sql/schema/songs.sql',
  'sql/schema/artists.sql',
  'sql/schema/time.sql',
  // Each song file's versions, which songs and artists are picked from.
  'sql/schema/etl_song_files.sql',
  // Reading and parsing records in the worker (row staging, the native parser), and song files' shapes.
  'src/etl/lineReader.ts',
  'src/etl/records.ts',
  'src/staging/chunkLines.ts',
  'src/staging/songFile.ts',
  'native/rows/src/rows.rs',
  // Text repair and match keys, done in the worker.
  'src/etl/textRepair.ts',
  'src/activities/textRepairRows.ts',
  // The rules after staging: events of a level outside free/paid, song files without a record.
  'src/activities/eventLevels.ts',
  'src/activities/songFilesWithoutRecords.ts',
  // The dialect fragments the SQL is rendered with (byte_order, timestamps), and DuckDB's text read back.
  'src/warehouse/sql.ts',
  'src/warehouse/stagingFragments.ts',
  'src/warehouse/duckdbTextDecoding.ts',
];

/** The digests as of RULES_VERSION below: path → first 16 hex digits of its SHA-256. */
const DIGESTS_AT = 3;
const DIGESTS: Record<string, string> = {
  'native/rows/src/rows.rs': '619b38f83c7a9bbe',
  'sql/schema/artists.sql': 'c94a43c86cb25ebc',
  'sql/schema/etl_song_files.sql': '7b8d342a43ccdf74',
  'sql/schema/songplays.sql': 'c868b353a5b18ea6',
  'sql/schema/songs.sql': 'cdf2e9dc6cb8f02e',
  'sql/schema/staging_events.sql': '172df5f35271d067',
  'sql/schema/staging_songs.sql': '2efd459e9e652390',
  'sql/schema/time.sql': '83362a255b57789d',
  'sql/schema/users.sql': '4978b7147788e026',
  'sql/staging/analyze_events.sql': 'b8c1d55417f9cc15',
  'sql/staging/analyze_songs.sql': 'd2bc24d1bc6dd919',
  'sql/staging/clear_file_counts.sql': 'b81fb014dc73688c',
  'sql/staging/clear_rejected.sql': '72ef3f431d5f4f1a',
  'sql/staging/clear_staged.sql': 'a6d3337341c8dab8',
  'sql/staging/drop_parsed_rows.sql': '72a856ee4bf04d33',
  'sql/staging/duckdb/check_events.sql': '143403e6bb5286ab',
  'sql/staging/duckdb/check_songs.sql': '41edcf054fde42c3',
  'sql/staging/duckdb/checked_table.sql': '6bdc6eb46caf7f2b',
  'sql/staging/duckdb/compression_setting.sql': 'c55fc7f71c56966f',
  'sql/staging/duckdb/copy_csv.sql': '97b1e0d154b57888',
  'sql/staging/duckdb/disable_compression.sql': '091011ca9af4afc8',
  'sql/staging/duckdb/drop_typed_screen.sql': 'fb9f819464a6237a',
  'sql/staging/duckdb/drop_work_tables.sql': '5d992e5c2ab54d04',
  'sql/staging/duckdb/extract_events.sql': '445f4c6b08a3b22f',
  'sql/staging/duckdb/extract_songs.sql': '3c21e5167a33a939',
  'sql/staging/duckdb/insert_events.sql': 'edb8cc13a3591593',
  'sql/staging/duckdb/insert_songs.sql': 'a229902e93d5d660',
  'sql/staging/duckdb/memory_limit.sql': '44fadac4413b2b61',
  'sql/staging/duckdb/next_chunk.sql': '89436d3a0372dc97',
  'sql/staging/duckdb/raw_lines.sql': '626c12bd43f1b2ee',
  'sql/staging/duckdb/raw_part_lines.sql': '9dbc764e0da552be',
  'sql/staging/duckdb/raw_part_survey.sql': 'fb4ba99ffccf13dd',
  'sql/staging/duckdb/read_events.sql': '61add69e58243413',
  'sql/staging/duckdb/read_songs.sql': '743d1fb03e63a4c6',
  'sql/staging/duckdb/stage_typed_events.sql': '21a9f83d667510c1',
  'sql/staging/duckdb/survey_events.sql': '309347ba06395b59',
  'sql/staging/duckdb/survey_songs.sql': '0c16ee3e84ba17ce',
  'sql/staging/duckdb/typed_screen.sql': '3699a3e1f0548c1f',
  'sql/staging/duckdb/unstaged_lines.sql': '2a1cf24818f1799f',
  'sql/staging/duckdb/unstaged_raw_lines.sql': 'c09d77ded6fbaae0',
  'sql/staging/events_with_bad_level.sql': '2e84b141313ffbdc',
  'sql/staging/insert_parsed_events.sql': '42293aa14f53392e',
  'sql/staging/insert_parsed_songs.sql': 'a7bf347b2ee3735f',
  'sql/staging/logs_without_staged_events.sql': 'e9e23e086a91ec90',
  'sql/staging/parsed_events.sql': 'ffd5eef9d6dea534',
  'sql/staging/parsed_songs.sql': 'bd72af986c92049c',
  'sql/staging/postgres/analyze_run_events.sql': '347fdfc397eb781a',
  'sql/staging/postgres/clear_staged_in_runs.sql': '61a77442777d1717',
  'sql/staging/postgres/runs_listing_same_event_logs.sql': 'dc3407c5ea1b4171',
  'sql/staging/postgres/whole_staging_statistics.sql': '9d7d6c699b6d8819',
  'sql/staging/redshift/copy_file_counts.sql': '0b4d93460eba6a5a',
  'sql/staging/redshift/copy_keep_events.sql': '77ac794fedd3b2df',
  'sql/staging/redshift/copy_keep_load_errors.sql': '1eec0c1700f45ce0',
  'sql/staging/redshift/copy_keep_songs.sql': '3a6bbb89f36cdc9f',
  'sql/staging/reject_events_with_bad_level.sql': '90290b68d911b09a',
  'sql/staging/reject_samples.sql': 'dc99fce2d617ad37',
  'sql/staging/reject_song_files_without_records.sql': '88e982414aba1ccd',
  'sql/staging/skip_song_files_found_unreadable.sql': 'ef44d1ff58ea4950',
  'sql/staging/skipped_song_files.sql': '1809f5d51d234da8',
  'sql/staging/song_files_without_records.sql': 'd99eba63f4e11bc8',
  'sql/staging/staged_counts.sql': 'b329214733ed3c35',
  'sql/transform/artists.sql': 'b4dc13a71eff09b7',
  'sql/transform/duckdb/songplays.sql': '774d08a16f79074b',
  'sql/transform/duckdb/text_repair_values.sql': 'adb542e1f8acb51d',
  'sql/transform/postgres/text_candidates.sql': '5faac990b64e19f9',
  'sql/transform/redshift/text_repair_long_values.sql': '7d06a63dd725486b',
  'sql/transform/redshift/text_repair_value_piece.sql': 'bde0280ac2ad209a',
  'sql/transform/songplays.sql': '4e57d756097390e6',
  'sql/transform/songs.sql': 'c5d5f9abc451fedc',
  'sql/transform/text_candidates.sql': '0dee2728347d39b9',
  'sql/transform/text_repair_values.sql': 'fbed20df3da4f655',
  'sql/transform/time.sql': 'e36998e4a2be97a3',
  'sql/transform/unmatched_plays.sql': '437b8f5aca87a5a3',
  'sql/transform/users.sql': 'e671bac43d603b07',
  'src/activities/eventLevels.ts': '5d54659ddcb7d4f0',
  'src/activities/songFilesWithoutRecords.ts': '45d0f9eeb17fa9b0',
  'src/activities/textRepairRows.ts': 'ef4a32f753f2e6a0',
  'src/etl/lineReader.ts': '5b1d5d9f4ccd952d',
  'src/etl/records.ts': 'f530672af9a3b280',
  'src/etl/textRepair.ts': 'df4635aa3bf1420d',
  'src/staging/chunkLines.ts': '1e77132ce7a972d0',
  'src/staging/songFile.ts': 'bf7ad665a5bc6956',
  'src/warehouse/duckdbTextDecoding.ts': 'f029db4e05d84f1a',
  'src/warehouse/sql.ts': '842384a134f83468',
  'src/warehouse/stagingFragments.ts': '74e12b3108f0b450',
};

function ruleFiles(): string[] {
  const inFolders = RULE_FOLDERS.flatMap((folder) =>
    (fs.readdirSync(path.join(ROOT, folder), { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(ROOT, folder, f)).isFile())
      .map((f) => `${folder}/${f.split(path.sep).join('/')}`),
  );
  return [...inFolders, ...RULE_FILES].sort();
}

const digest = (file: string) => createHash('sha256').update(fs.readFileSync(path.join(ROOT, file))).digest('hex').slice(0, 16);

test('the rule-bearing files are as they were at this rules version', () => {
  const now = Object.fromEntries(ruleFiles().map((f) => [f, digest(f)]));
  const changed = [...new Set([...Object.keys(now), ...Object.keys(DIGESTS)])].filter((f) => now[f] !== DIGESTS[f]).sort();
  if (changed.length > 0 || DIGESTS_AT !== RULES_VERSION) {
    const listing = Object.entries(now).map(([f, d]) => `  '${f}': '${d}',`).join('\n');
    throw new Error(
      `rule-bearing files changed since rules version ${DIGESTS_AT}: ${changed.join(', ') || '(none; RULES_VERSION changed)'}.\n` +
        'If a file loaded before this change could now give other rows in the star tables, bump RULES_VERSION in ' +
        'src/etl/versions.ts and say what changed there; else (a refactor, a comment) the results cannot change. ' +
        `Either way, set DIGESTS_AT to RULES_VERSION and DIGESTS in ${path.relative(ROOT, __filename)} to:\n${listing}`,
    );
  }
});

test('every file named is there', () => {
  for (const f of RULE_FILES) expect({ f, exists: fs.existsSync(path.join(ROOT, f)) }).toEqual({ f, exists: true });
});
