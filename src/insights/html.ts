import type { InsightReport, Section, Table } from './model';
import { escapeXml as esc, renderChartSvg } from './svg';

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #1d2330; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header { background: #1d2a44; color: #fff; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: #c9d3e6; }
.headline { display: flex; flex-wrap: wrap; gap: 12px; padding: 18px 32px 0; }
.figure { background: #fff; border-radius: 8px; padding: 10px 16px; min-width: 150px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.figure b { display: block; font-size: 22px; }
.figure span { color: #5b6475; font-size: 13px; }
main { padding: 8px 32px 40px; }
section h2 { margin: 28px 0 4px; font-size: 21px; border-bottom: 2px solid #d6dbe4; padding-bottom: 4px; }
.note { color: #5b6475; margin: 6px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; margin-top: 12px; }
figure { margin: 0; background: #fff; border-radius: 8px; padding: 14px 16px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figure h3 { margin: 0 0 6px; font-size: 16px; }
figure svg { display: block; height: auto; }
figcaption { margin-top: 6px; color: #2e3a52; }
table { border-collapse: collapse; background: #fff; margin-top: 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
caption { text-align: left; font-weight: 600; padding: 6px 0; }
th, td { padding: 5px 12px; border-bottom: 1px solid #eceff3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #5b6475; padding: 0 32px 24px; font-size: 13px; }
`;

function table(t: Table): string {
  if (t.rows.length === 0) return '';
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="n">${c.toLocaleString('en-US')}</td>` : `<td>${esc(c ?? '')}</td>`)).join('')}</tr>`)
    .join('');
  return `<table><caption>${esc(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(s: Section): string {
  const charts = s.charts
    .map((c) => `<figure id="${esc(c.id)}"><h3>${esc(c.title)}</h3>${renderChartSvg(c)}<figcaption>${esc(c.takeaway)}</figcaption></figure>`)
    .join('');
  return (
    `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>` +
    s.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('') +
    `<div class="charts">${charts}</div>${s.tables.map(table).join('')}</section>`
  );
}

/** One self-contained HTML file: inline CSS and SVG, no script, no external font or image. */
export function renderHtml(report: InsightReport): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(report.title)} · ${esc(report.windowLabel)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>${esc(report.title)}</h1><p>${esc(report.windowLabel)} · ${esc(report.warehouse)} · generated ${esc(report.generatedAt.replace('T', ' ').slice(0, 19))} UTC</p></header>`,
    `<div class="headline">${report.headline.map((h) => `<div class="figure"><b>${esc(h.value)}</b><span>${esc(h.label)}</span></div>`).join('')}</div>`,
    `<main>${report.sections.map(section).join('')}</main>`,
    '<footer>Times are UTC. Built from the star schema (songplays, users, songs, artists, time) and the pipeline\'s etl_ tables by sparkify insights.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}
