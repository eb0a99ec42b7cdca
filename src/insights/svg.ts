import type { Chart } from './model';
import { count, percent } from './text';

/** Charts drawn by hand as inline SVG: no library, no script, nothing to fetch. */

const COLORS = ['#3867b5', '#e0803a', '#4f9d58'];
const WIDTH = 600;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A round upper bound and its tick step (1, 2 or 5 times a power of ten). */
function niceScale(max: number, percentValues: boolean): { top: number; step: number } {
  if (max <= 0) return { top: percentValues ? 1 : 1, step: percentValues ? 0.25 : 1 };
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const cleanStep = percentValues ? step : Math.max(1, Math.round(step));
  return { top: Math.ceil(max / cleanStep) * cleanStep, step: cleanStep };
}

function formatValue(chart: Chart, value: number): string {
  return chart.percent ? percent(value) : count(value);
}

/** Axis tick labels: as many decimals as the step needs, so ticks never repeat a label. */
function formatTick(chart: Chart, value: number, step: number): string {
  if (!chart.percent) return count(value);
  return percent(value, Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9)));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Days shown as MM-DD when every category is a date; the year is in the report header. */
function shortCategories(categories: string[]): string[] {
  return categories.every((c) => /^\d{4}-\d{2}-\d{2}$/.test(c)) ? categories.map((c) => c.slice(5)) : categories;
}

function legend(chart: Chart, y: number): string {
  if (chart.series.length < 2) return '';
  let x = 64;
  return chart.series
    .map((s, i) => {
      const item = `<rect x="${x}" y="${y - 9}" width="12" height="12" rx="2" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 17}" y="${y + 1}" font-size="12">${escapeXml(s.name)}</text>`;
      x += 30 + s.name.length * 7;
      return item;
    })
    .join('');
}

function noData(x: number, y: number): string {
  return `<text x="${x}" y="${y}" text-anchor="middle" font-size="14" fill="#777">No data in this window</text>`;
}

function svgOpen(chart: Chart, height: number): string {
  return (
    `<svg class="chart" data-chart="${escapeXml(chart.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" ` +
    `width="100%" role="img" aria-label="${escapeXml(chart.title)}" ${FONT}><title>${escapeXml(chart.title)}</title>`
  );
}

/** Vertical bars (grouped when there are several series) or lines, over categories. */
function verticalChart(chart: Chart): string {
  const labels = shortCategories(chart.categories);
  const n = labels.length;
  const top = chart.series.length > 1 ? 34 : 16;
  const left = 70;
  const right = 16;
  const plotW = WIDTH - left - right;
  const band = n === 0 ? plotW : plotW / n;
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const every = Math.max(1, Math.ceil(n / 16));
  const rotate = longest * 7 > band * every - 4;
  const bottom = rotate ? 40 + Math.min(longest, 18) * 5.5 : 52;
  const height = top + 220 + bottom;
  const plotH = 220;
  const values = chart.series.flatMap((s) => s.values);
  const { top: yMax, step } = niceScale(Math.max(0, ...values), Boolean(chart.percent));
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [svgOpen(chart, height), legend(chart, 16)];

  for (let v = 0; v <= yMax + step / 1e6; v += step) {
    parts.push(
      `<line x1="${left}" x2="${WIDTH - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${formatTick(chart, v, step)}</text>`,
    );
  }
  if (n === 0) parts.push(noData(left + plotW / 2, top + plotH / 2));

  if (chart.kind === 'line') {
    chart.series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length];
      const points = s.values.map((v, i) => `${(left + band * (i + 0.5)).toFixed(1)},${y(v).toFixed(1)}`);
      if (points.length > 1) parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
      s.values.forEach((v, i) =>
        parts.push(
          `<circle cx="${(left + band * (i + 0.5)).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${chart.categories[i]}: ${formatValue(chart, v)}`)}</title></circle>`,
        ),
      );
    });
  } else {
    const groupW = band * 0.78;
    const barW = groupW / chart.series.length;
    chart.series.forEach((s, si) => {
      s.values.forEach((v, i) => {
        const x = left + band * i + (band - groupW) / 2 + barW * si;
        const h = Math.max(v > 0 ? 1 : 0, top + plotH - y(v));
        parts.push(
          `<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}">` +
            `<title>${escapeXml(`${chart.categories[i]} · ${s.name}: ${formatValue(chart, v)}`)}</title></rect>`,
        );
      });
    });
  }

  parts.push(`<line x1="${left}" x2="${WIDTH - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const x = left + band * (i + 0.5);
    const ty = top + plotH + 15;
    parts.push(
      rotate
        ? `<text x="${x.toFixed(1)}" y="${ty}" transform="rotate(-40 ${x.toFixed(1)} ${ty})" text-anchor="end" font-size="11" fill="#333">${escapeXml(truncate(label, 18))}</text>`
        : `<text x="${x.toFixed(1)}" y="${ty}" text-anchor="middle" font-size="11" fill="#333">${escapeXml(label)}</text>`,
    );
  });
  parts.push(
    `<text class="axis-label" x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12" fill="#222">${escapeXml(chart.xLabel)}</text>`,
    `<text class="axis-label" x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" font-size="12" fill="#222">${escapeXml(chart.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

/** Horizontal bars: for ranked lists with long names. */
function horizontalChart(chart: Chart): string {
  const values = chart.series[0]?.values ?? [];
  const n = values.length;
  const top = 12;
  const rowH = 26;
  const labelW = 200;
  const left = 30 + labelW;
  const right = 56;
  const plotW = WIDTH - left - right;
  // At least three rows tall, so a one-item list still reads as a chart.
  const plotH = Math.max(3, n) * rowH;
  const height = top + plotH + 52;
  const { top: xMax, step } = niceScale(Math.max(0, ...values), Boolean(chart.percent));
  const x = (v: number) => left + (v / xMax) * plotW;
  const parts: string[] = [svgOpen(chart, height)];
  for (let v = 0; v <= xMax + step / 1e6; v += step) {
    parts.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${top + plotH}" stroke="#e3e3e3"/>`,
      `<text x="${x(v).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" fill="#555">${formatTick(chart, v, step)}</text>`,
    );
  }
  if (n === 0) parts.push(noData(left + plotW / 2, top + rowH / 2 + 5));
  values.forEach((v, i) => {
    const yTop = top + i * rowH + 4;
    const w = Math.max(v > 0 ? 1 : 0, x(v) - left);
    const label = chart.categories[i];
    parts.push(
      `<text x="${left - 8}" y="${yTop + 13}" text-anchor="end" font-size="12" fill="#333">${escapeXml(truncate(label, 30))}<title>${escapeXml(label)}</title></text>`,
      `<rect class="bar" x="${left}" y="${yTop}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[0]}"><title>${escapeXml(`${label}: ${formatValue(chart, v)}`)}</title></rect>`,
      `<text x="${(left + w + 5).toFixed(1)}" y="${yTop + 13}" font-size="11" fill="#333">${formatValue(chart, v)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#888"/>`,
    `<text class="axis-label" x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12" fill="#222">${escapeXml(chart.xLabel)}</text>`,
    `<text class="axis-label" x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" font-size="12" fill="#222">${escapeXml(chart.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

/** The chart as an SVG element (no XML declaration: it goes inline into HTML). */
export function renderChartSvg(chart: Chart): string {
  return chart.kind === 'bar' ? horizontalChart(chart) : verticalChart(chart);
}
