/**
 * Regenerates docs/insights.png, the README's picture of the HTML report: the real sample through
 * the CLI into a throwaway DuckDB, its report opened in headless Chromium. Not part of the suite
 * (tests write screenshots to temp dirs); run it with `npm run docs:screenshot`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SAMPLE_DIR } from '../harness/temporal';
import { viewReport } from '../support/insightBrowser';

const BIN = path.resolve(__dirname, '../../bin/sparkify.js');
const TARGET = path.resolve(__dirname, '../../docs/insights.png');

test('docs/insights.png from the sample report', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-docs-'));
  try {
    const reports = path.join(tmp, 'reports');
    const run = spawnSync(
      process.execPath,
      [BIN, 'run', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${path.join(tmp, 'warehouse.duckdb')}`, '--report-to', reports, '--json'],
      { cwd: tmp, encoding: 'utf8', timeout: 170_000, env: { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' } },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const report = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { report: string }).report;
    const shot = path.join(tmp, 'insights.png');
    const view = await viewReport(report, { path: shot, height: 1500 });
    expect(view.consoleErrors).toEqual([]);
    fs.copyFileSync(shot, TARGET);
    process.stdout.write(`wrote ${TARGET} (${fs.statSync(TARGET).size} bytes)\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
