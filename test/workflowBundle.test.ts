import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prebuiltWorkflowBundle } from '../src/temporal/workflowBundle';

const DIST_WORKFLOWS = path.resolve(__dirname, '../dist/workflows/index.js');

describe("the worker's workflow bundle, built outside the worker", () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('a child process bundles the compiled workflows once into the cache; later workers reuse it', async () => {
    const stale = path.join(cacheDir, 'an-old-build.js');
    fs.writeFileSync(stale, '');
    const weekAgo = (Date.now() - 8 * 24 * 3600_000) / 1000;
    fs.utimesSync(stale, weekAgo, weekAgo);
    const codePath = await prebuiltWorkflowBundle(DIST_WORKFLOWS, cacheDir);
    expect(codePath).toBeDefined();
    expect(path.dirname(codePath!)).toBe(cacheDir);
    const code = fs.readFileSync(codePath!, 'utf8');
    expect(code).toContain('etlRun');
    // A bundle of another build unused for more than a week is removed when a new one is written.
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(codePath!)]);

    const mtime = fs.statSync(codePath!).mtimeMs;
    expect(await prebuiltWorkflowBundle(DIST_WORKFLOWS, cacheDir)).toBe(codePath);
    expect(fs.statSync(codePath!).mtimeMs).toBe(mtime);
  });

  test('TypeScript sources (a test runner) are left to in-process bundling', async () => {
    expect(await prebuiltWorkflowBundle(path.resolve(__dirname, '../src/workflows/index.ts'), cacheDir)).toBeUndefined();
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
