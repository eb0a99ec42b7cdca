import { chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install -y chromium); playwright's own browser download is not used. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface RenderedChart {
  id: string;
  visible: boolean;
  width: number;
  height: number;
  /** Drawn marks: bars, line points, or the "No data" notice. */
  marks: number;
  title: string;
  takeaway: string;
  axisLabels: string[];
}

export interface BrowserView {
  charts: RenderedChart[];
  consoleErrors: string[];
  /** Every URL the page asked for (a self-contained report asks only for itself). */
  requests: string[];
  /** Captions of the visible tables, and each one's body row count. */
  tableCaptions: string[];
  tableRows: Record<string, number>;
}

/** Opens an HTML file in headless Chromium, reads what each chart rendered, and takes a screenshot. */
export async function viewReport(file: string, screenshot: { path: string; height: number }): Promise<BrowserView> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: screenshot.height } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const figures = page.locator('figure');
    const charts: RenderedChart[] = [];
    for (let i = 0; i < (await figures.count()); i++) {
      const figure = figures.nth(i);
      const svg = figure.locator('svg.chart');
      await svg.scrollIntoViewIfNeeded();
      const box = await svg.boundingBox();
      charts.push({
        id: (await figure.getAttribute('id')) ?? '',
        visible: await svg.isVisible(),
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        marks: await svg.locator('rect.bar, circle, text:has-text("No data")').count(),
        title: (await figure.locator('h3').textContent()) ?? '',
        takeaway: (await figure.locator('figcaption').textContent()) ?? '',
        axisLabels: await svg.locator('text.axis-label').allTextContents(),
      });
    }
    const tableCaptions: string[] = [];
    const tableRows: Record<string, number> = {};
    const tables = page.locator('table');
    for (let i = 0; i < (await tables.count()); i++) {
      const t = tables.nth(i);
      if (!(await t.isVisible())) continue;
      const caption = (await t.locator('caption').textContent()) ?? '';
      tableCaptions.push(caption);
      tableRows[caption] = await t.locator('tbody tr').count();
    }
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: screenshot.path });
    return { charts, consoleErrors, requests, tableCaptions, tableRows };
  } finally {
    await browser.close();
  }
}
