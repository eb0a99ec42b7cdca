import type { Row, Warehouse } from '../../src/warehouse/types';

export const STAR_TABLES = {
  songplays: 'songplay_id',
  users: 'user_id',
  songs: 'song_id',
  artists: 'artist_id',
  time: 'start_time',
} as const;

export type StarDump = Record<keyof typeof STAR_TABLES, Row[]>;

/** Every row of every star table, ordered by key: what two warehouses are compared on. */
export async function dumpStarTables(warehouse: Warehouse): Promise<StarDump> {
  const dump = {} as StarDump;
  for (const [table, key] of Object.entries(STAR_TABLES) as [keyof typeof STAR_TABLES, string][]) {
    dump[table] = await warehouse.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  }
  return dump;
}
