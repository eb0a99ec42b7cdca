/** A node of DuckDB's `EXPLAIN (FORMAT JSON)` plan. */
export interface DuckDbPlanNode {
  name: string;
  children: DuckDbPlanNode[];
  extra_info?: Record<string, unknown>;
}

/** The tables a plan reads, by sequential scan. */
export const scannedTables = (node: DuckDbPlanNode): string[] => [
  ...(node.name === 'SEQ_SCAN' ? [String(node.extra_info?.Table ?? '')] : []),
  ...node.children.flatMap(scannedTables),
];

/** The tables each hash join of a plan builds its hash table from (its second child). */
export const hashedTables = (node: DuckDbPlanNode): string[] => [
  ...(node.name === 'HASH_JOIN' && node.children.length === 2 ? scannedTables(node.children[1]) : []),
  ...node.children.flatMap(hashedTables),
];
