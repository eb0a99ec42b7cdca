/**
 * The statements the pipeline hands a server-side loader (Redshift COPY) are its own rules, written
 * out in sql/staging/redshift/copy_keep_<kind>.sql: they must stay in step with the record fields
 * the worker's parser checks (src/etl/records.ts), and the file's two CASEs must say the same.
 */
import { FIELDS_BY_KIND } from '../../src/etl/records';
import type { RecordKind } from '../../src/etl/types';
import { serverStagingPlan } from '../../src/staging/serverStagingSql';
import { readSqlFile } from '../../src/warehouse/sql';

describe.each<RecordKind>(['events', 'songs'])('copy_keep_%s.sql', (kind) => {
  const text = readSqlFile(`staging/redshift/copy_keep_${kind}`);
  const cases = [...text.matchAll(/CASE\n([\s\S]*?)\n\s*END/g)].map((m) => m[1].replace(/^\s+/gm, ''));
  const fields = FIELDS_BY_KIND[kind];

  test('its reject and stage statements hold the same CASE', () => {
    expect(cases).toHaveLength(2);
    expect(cases[1]).toBe(cases[0]);
  });

  test('every required field is checked for being missing, and only those', () => {
    const missing = [...cases[0].matchAll(/^WHEN (\w+) IS NULL THEN 'field "(\w+)" is missing'$/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(missing).toEqual(fields.filter((f) => f.required).map((f) => `${f.column}:${f.key}`));
  });

  test('every text field is checked for reaching the VARCHAR limit', () => {
    const cut = [...cases[0].matchAll(/^WHEN OCTET_LENGTH\((\w+)\) > 65531 THEN 'field "(\w+)" reaches/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(cut).toEqual(fields.filter((f) => f.type === 'string').map((f) => `${f.column}:${f.key}`));
  });

  test('it stages every source field column', () => {
    const plan = serverStagingPlan('redshift', { runId: 'r1', kind, sourceUrl: 's3://b/p/' });
    const { stage, reject } = plan.sql.keepLoaded('copy_x', null);
    expect(plan.columns).toEqual(fields.map((f) => f.column));
    expect(stage).toContain(`(run_id, source_key, source_line, ${plan.columns.join(', ')})`);
    expect(stage).toContain('FROM "copy_x"');
    expect(reject).toMatch(/^(--.*\n)*INSERT INTO etl_rejected_records /);
  });
});

test('the plan renders the run, kind, source and session tables into the statements', () => {
  const plan = serverStagingPlan('redshift', { runId: "r'1", kind: 'songs', sourceUrl: 's3://b/p/' });
  expect(plan.table).toBe('staging_songs');
  expect(plan.jsonPaths).toBeUndefined();
  expect(plan.sql.clear.join('\n')).toContain(`DELETE FROM "staging_songs" WHERE run_id = 'r''1'`);
  expect(plan.sql.keepLoaded('copy_songs', 'song_data/a.json').stage).toContain(`SELECT 'r''1', 'song_data/a.json', NULL,`);
  expect(plan.sql.keepLoadErrors('copy_load_errors')).toContain(`FROM "copy_load_errors"`);
  expect(plan.sql.keepFileCounts('copy_file_records').join('\n')).toContain(`REPLACE(file_name, 's3://b/p/', '')`);
  expect(plan.sql.rejectSamples).toContain(`kind = 'songs'`);
  expect(serverStagingPlan('redshift', { runId: 'r', kind: 'events', sourceUrl: 's3://b/' }).jsonPaths).toContain(`$['userId']`);
});
