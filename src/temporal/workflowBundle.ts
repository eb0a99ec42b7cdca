/**
 * The worker's workflow bundle, built outside the worker process. Bundling is webpack work: done in
 * the worker itself (`workflowsPath`) it leaves ~180 MiB of heap and code behind for the worker's
 * whole life (ready RSS 430-460 MiB against ~255 MiB with a prebuilt bundle, docs/performance-log.md).
 * So a short-lived child process bundles the compiled workflows once into a cache file named by a
 * hash of the compiled code and the SDK's version; later workers reuse it. A changed file changes
 * the hash, so a stale bundle is never used.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const CACHE_DIR = path.join(os.tmpdir(), 'sparkify-workflow-bundles');
/** Bundles of other builds untouched this long are removed when a new one is written (a worker reads its bundle at start). */
const STALE_BUNDLE_MS = 7 * 24 * 3600_000;

function filesUnder(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Where the bundle of `workflowsPath` (a compiled .js entry under `tree`) is cached. */
export function bundleCachePath(workflowsPath: string, tree: string, cacheDir = CACHE_DIR): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(require.resolve('@temporalio/worker/package.json')));
  hash.update(workflowsPath);
  for (const file of filesUnder(tree, '.js')) hash.update(file).update(fs.readFileSync(file));
  return path.join(cacheDir, `${hash.digest('hex').slice(0, 32)}.js`);
}

/**
 * The path of a prebuilt bundle of the compiled workflows at `workflowsPath`, bundling it in a child
 * process when the cache has none. Undefined when the workflows are not compiled JavaScript (the
 * TypeScript sources under a test runner): the caller bundles them in-process.
 */
export async function prebuiltWorkflowBundle(workflowsPath: string, cacheDir = CACHE_DIR): Promise<string | undefined> {
  // The compiled tree the workflows are in (the package's dist/): what the bundle may import, and the bundler.
  const tree = path.dirname(path.dirname(workflowsPath));
  const bundler = path.join(tree, 'temporal', 'bundleWorkflows.js');
  if (!workflowsPath.endsWith('.js') || !fs.existsSync(bundler)) return undefined;
  const codePath = bundleCachePath(workflowsPath, tree, cacheDir);
  if (fs.existsSync(codePath)) return codePath;
  fs.mkdirSync(cacheDir, { recursive: true });
  await promisify(execFile)(process.execPath, [bundler, workflowsPath, codePath], { maxBuffer: 4 * 1024 * 1024 });
  if (!fs.existsSync(codePath)) throw new Error(`bundling ${workflowsPath} wrote no ${codePath}`);
  removeStaleBundles(cacheDir, Date.now() - STALE_BUNDLE_MS);
  return codePath;
}

function removeStaleBundles(cacheDir: string, before: number): void {
  for (const name of fs.readdirSync(cacheDir)) {
    const file = path.join(cacheDir, name);
    try {
      if (fs.statSync(file).mtimeMs < before) fs.rmSync(file, { force: true });
    } catch {
      // removed meanwhile by another worker
    }
  }
}
