/**
 * The custom search attributes every ETL run carries, so the Web UI (and `temporal workflow list
 * --query`) can filter runs by logical date, source and warehouse. Workflow-safe: plain definitions.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const LOGICAL_DATE = defineSearchAttributeKey('SparkifyLogicalDate', SearchAttributeType.DATETIME);
export const SOURCE = defineSearchAttributeKey('SparkifySource', SearchAttributeType.KEYWORD);
export const WAREHOUSE = defineSearchAttributeKey('SparkifyWarehouse', SearchAttributeType.KEYWORD);

/** Set by the server on every workflow a schedule starts: the time the action was scheduled for. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Names and types in the dev server's `--search-attribute NAME=Type` form. */
export const SPARKIFY_SEARCH_ATTRIBUTES = {
  SparkifyLogicalDate: 'Datetime',
  SparkifySource: 'Keyword',
  SparkifyWarehouse: 'Keyword',
} as const;

/** The attributes of a run: its logical date (the window's first day) when it has one. */
export function runSearchAttributes(run: { date?: string | null; source?: string; warehouse?: string }): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  if (run.date) pairs.push({ key: LOGICAL_DATE, value: new Date(`${run.date}T00:00:00Z`) });
  if (run.source) pairs.push({ key: SOURCE, value: run.source });
  if (run.warehouse) pairs.push({ key: WAREHOUSE, value: run.warehouse });
  return pairs;
}
