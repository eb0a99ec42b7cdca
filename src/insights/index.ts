import type { RunWindow } from '../etl/types';
import type { Warehouse } from '../warehouse/types';
import { renderHtml } from './html';
import type { InsightReport } from './model';
import { queryInsights, type LevelChange, type QueryDone } from './queries';
import { buildReport } from './report';
import { renderTerminal } from './terminal';

export type { InsightReport } from './model';
export type { InsightData, LevelChange } from './queries';
export { queryLevelChanges } from './queries';
export { renderHtml, renderTerminal };
export { DEFAULT_REPORT_DIR, defaultReportDir, REPORT_DIR_OWNER, reportFileName, reportLocationChoice, reportWriteFault, resolveReportDestination, warehouseTag, writeHtmlReport } from './write';

export type InsightFormat = 'table' | 'json' | 'html';
export const INSIGHT_FORMATS: readonly InsightFormat[] = ['table', 'json', 'html'];

/** Queries the warehouse for the window (but the level changes, when given) and builds the report. */
export async function buildInsights(
  warehouse: Warehouse,
  window: RunWindow | null,
  options: { limit?: number; levelChanges?: LevelChange[]; signal?: AbortSignal; reportErrorColumn?: boolean; queryDone?: QueryDone } = {},
): Promise<InsightReport> {
  const data = await queryInsights(warehouse, { window, ...options });
  return buildReport(data, { warehouse: warehouse.description, window });
}

export function renderReport(report: InsightReport, format: InsightFormat): string {
  switch (format) {
    case 'table':
      return renderTerminal(report);
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'html':
      return renderHtml(report);
  }
}
