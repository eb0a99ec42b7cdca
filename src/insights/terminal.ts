import { textTable, visibleControls } from '../util/textTable';
import type { Chart, InsightReport } from './model';
import { count, percent } from './text';

const BAR_WIDTH = 30;

function cell(chart: Chart, value: number): string | number {
  return chart.percent ? percent(value) : value;
}

/** A chart as a table; one-series charts get a bar column so the shape shows at a glance. */
function chartTable(chart: Chart): string {
  if (chart.categories.length === 0) return '(no data)';
  const single = chart.series.length === 1;
  const max = Math.max(0, ...chart.series.flatMap((s) => s.values));
  const header = [chart.kind === 'bar' ? chart.yLabel : chart.xLabel, ...chart.series.map((s) => s.name), ...(single ? [''] : [])];
  const rows = chart.categories.map((category, i) => [
    category,
    ...chart.series.map((s) => cell(chart, s.values[i])),
    ...(single ? ['█'.repeat(max === 0 ? 0 : Math.round((chart.series[0].values[i] / max) * BAR_WIDTH))] : []),
  ]);
  return textTable(header, rows);
}

/** The report as plain text for a terminal: every chart as a table with its takeaway. */
export function renderTerminal(report: InsightReport): string {
  const out: string[] = [];
  out.push(`${report.title}: ${report.windowLabel} (${report.warehouse})`);
  out.push(report.headline.map((h) => `${h.label}: ${h.value}`).join(' · '));
  for (const section of report.sections) {
    out.push('', `== ${section.title} ${'='.repeat(Math.max(0, 60 - section.title.length))}`);
    for (const note of section.notes) out.push(note);
    for (const chart of section.charts) {
      out.push('', `${chart.title}`, chartTable(chart), `→ ${chart.takeaway}`);
    }
  }
  out.push('', `(${count(report.data.content.plays)} plays; times in UTC)`);
  // Titles and takeaways name songs, artists and places from the data.
  return visibleControls(out.join('\n'), true);
}
