/**
 * A query whose rows arrive in chunks as the engine produces them, instead of all at once: the
 * worker holds one chunk (2,048 rows: DuckDB's vector, PostgreSQL's cursor reads; on Redshift a
 * page of the Data API's result, whose size the service sets) at a time, whatever the result's size.
 */
import type { Row, StatementOptions, Warehouse } from './types';

export interface StreamingQuery {
  /** The rows of `sql`, a chunk at a time; stopping early ends the query and frees its connection. */
  queryChunks(sql: string, options?: StatementOptions): AsyncGenerator<Row[]>;
}

export function hasStreamingQuery(warehouse: Warehouse): warehouse is Warehouse & StreamingQuery {
  return typeof (warehouse as Partial<StreamingQuery>).queryChunks === 'function';
}
