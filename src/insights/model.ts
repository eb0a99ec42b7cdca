import type { RunWindow } from '../etl/types';
import type { InsightData } from './queries';

export interface ChartSeries {
  name: string;
  values: number[];
}

/** A chart as data: the HTML report draws it as SVG, the terminal report prints it as a table. */
export interface Chart {
  id: string;
  title: string;
  /** column: vertical bars; bar: horizontal bars (long labels); line: a series over days. */
  kind: 'column' | 'bar' | 'line';
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: ChartSeries[];
  /** Values are shares between 0 and 1, shown as percentages. */
  percent?: boolean;
  /** One sentence computed from the data: what the chart says. */
  takeaway: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface Section {
  id: string;
  title: string;
  notes: string[];
  charts: Chart[];
  tables: Table[];
}

export interface InsightReport {
  title: string;
  generatedAt: string;
  warehouse: string;
  window: RunWindow | null;
  windowLabel: string;
  headline: { label: string; value: string }[];
  sections: Section[];
  data: InsightData;
}
