/**
 * Engine differences behind one table (src/warehouse/engineTraits.ts): pipeline code asks for a
 * trait, never which engine it runs on, and an engine's own form of a SQL file is declared there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { publishSettings, publishTransform } from '../../src/activities/publishActivities';
import { ENGINE_TRAITS, engineSqlName } from '../../src/warehouse/engineTraits';
import { sqlStatements } from '../../src/warehouse/sql';
import { SQL_NAMES, type SqlName } from '../../src/warehouse/sqlNames';
import type { Dialect } from '../../src/warehouse/types';
import { SRC, sourceFiles } from './support/sourceImports';

const DIALECTS = Object.keys(ENGINE_TRAITS) as Dialect[];
const ENGINE_FILE = new RegExp(`^(.*)/(${DIALECTS.join('|')})/([^/]+)$`);

/** Files under sql/<dir>/<engine>/ that share a shared file's name without being a form of it. */
const NOT_VARIANTS: Partial<Record<SqlName, string>> = {
  'transform/duckdb/text_repair_values': "DuckDB's one streamed read of the candidates, where the shared file reads a page by key",
};

test("an engine's own form of a file is named <dir>/<engine>/<file>, beside the shared file it replaces", () => {
  for (const dialect of DIALECTS) {
    for (const [shared, variant] of Object.entries(ENGINE_TRAITS[dialect].sqlVariants)) {
      expect({ dialect, shared, isFile: SQL_NAMES.includes(shared as SqlName) }).toEqual({ dialect, shared, isFile: true });
      const [, dir, engine, file] = ENGINE_FILE.exec(variant) ?? [];
      expect({ variant, engine, sharedName: `${dir}/${file}` }).toEqual({ variant, engine: dialect, sharedName: shared });
    }
  }
});

test('every file named like a form of a shared file is declared as one, or listed here as not one', () => {
  const undeclared = SQL_NAMES.filter((name) => {
    const [, dir, engine, file] = ENGINE_FILE.exec(name) ?? [];
    if (!engine || !SQL_NAMES.includes(`${dir}/${file}` as SqlName)) return false;
    const shared = `${dir}/${file}` as SqlName;
    return ENGINE_TRAITS[engine as Dialect].sqlVariants[shared] !== name && NOT_VARIANTS[name] === undefined;
  });
  expect(undeclared).toEqual([]);
});

/**
 * Where src/ may name an engine in a comparison: the engines themselves and their traits, and the
 * tools that probe or compare configured warehouses by their kind (config, doctor, bench, CLI, chaos).
 */
const MAY_NAME_ENGINES = /^(warehouse|doctor|bench|cli|chaos)\/|^config\.ts$/;
/** Lines elsewhere that compare a warehouse URI's kind for a location, not for how the pipeline runs. */
const LOCATIONS: string[] = ["insights/write.ts: return warehouse.kind === 'duckdb' && warehouse.path !== ':memory:'"];

test('pipeline code never compares the engine it runs on: it asks engineTraits', () => {
  const engine = DIALECTS.join('|');
  const comparison = new RegExp(`\\bdialect\\s*[!=]==|[!=]==\\s*'(${engine})'|'(${engine})'\\s*[!=]==`);
  const found = sourceFiles()
    .filter((file) => !MAY_NAME_ENGINES.test(file))
    .flatMap((file) =>
      fs
        .readFileSync(path.join(SRC, file), 'utf8')
        .split('\n')
        .flatMap((line) => (comparison.test(line) ? [`${file}: ${line.trim()}`] : [])),
    )
    .filter((hit) => !LOCATIONS.some((allowed) => hit.startsWith(allowed)));
  expect(found).toEqual([]);
});

test("a file runs as the engine's own form where there is one, else as itself", () => {
  expect(engineSqlName('transform/songplays', 'duckdb')).toBe('transform/duckdb/songplays');
  expect(engineSqlName('checks/unique', 'duckdb')).toBe('checks/duckdb/unique');
  expect(engineSqlName('transform/text_candidates', 'postgres')).toBe('transform/postgres/text_candidates');
  expect(engineSqlName('transform/text_candidates', 'duckdb')).toBe('transform/text_candidates');
  for (const dialect of DIALECTS) expect(engineSqlName('transform/users', dialect)).toBe('transform/users');
});

test("a publish runs its engine's settings first, the songplays publish also its own", () => {
  const rendered = (names: SqlName[]) => names.flatMap((name) => sqlStatements(name, 'postgres'));
  expect(publishSettings('postgres', publishTransform('loadUsers', 'postgres'))).toEqual(rendered(['postgres/publish_work_mem']));
  expect(publishSettings('postgres', publishTransform('loadSongplays', 'postgres'))).toEqual(rendered(['postgres/publish_work_mem', 'postgres/publish_parallel', 'postgres/publish_scan_from_start']));
  for (const dialect of ['duckdb', 'redshift'] as const) expect(publishSettings(dialect, publishTransform('loadSongplays', dialect))).toEqual([]);
});
