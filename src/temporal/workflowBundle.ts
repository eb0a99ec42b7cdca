/**
 * The worker's workflow bundle, built outside the worker process. Bundling is webpack work: done in
 * the worker itself (`workflowsPath`) it leaves ~180 MiB of heap and code behind for the worker's
 * whole life (ready RSS 430-460 MiB against ~255 MiB with a prebuilt bundle, docs/performance-log.md).
 * So a short-lived child process bundles the compiled workflows once into a cache file named by a
 * hash of the compiled code and the SDK's version; later workers reuse it. A changed file changes
 * the hash, so a stale bundle is never used.
 *
 * Each build leaves a bundle (~1.8 MB), and the cache only grew: bundles were removed a week after
 * they were written, and one machine held 289 (512 MB) of a day's builds. A bundle's mtime is now
 * its last use, and writing a new one keeps the most recently used few and whatever was used lately.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `$TMPDIR/sparkify-workflow-bundles-<uid>`, read at call time. One per user: a cache another user
 * made first (the temp dir is shared) refused this one's bundles with EACCES, and every worker then
 * bundled in-process.
 */
export function bundleCacheDir(): string {
  const uid = process.getuid?.();
  return path.join(os.tmpdir(), uid === undefined ? 'sparkify-workflow-bundles' : `sparkify-workflow-bundles-${uid}`);
}
/** The most recently used bundles, kept whenever they were last used. */
export const KEPT_BUNDLES = 8;
/**
 * A file of the cache used within this long is kept: another process may be about to read the
 * bundle (a test run reads its bundle again for each test file), or be writing its .partial.
 */
export const IN_USE_MS = 2 * 3600_000;

function filesUnder(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Where the bundle of `workflowsPath` (a compiled .js entry under `tree`) is cached. */
export function bundleCachePath(workflowsPath: string, tree: string, cacheDir = bundleCacheDir()): string {
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
export async function prebuiltWorkflowBundle(workflowsPath: string, cacheDir = bundleCacheDir()): Promise<{ codePath: string; code: string } | undefined> {
  // The compiled tree the workflows are in (the package's dist/): what the bundle may import, and the bundler.
  const tree = path.dirname(path.dirname(workflowsPath));
  const bundler = path.join(tree, 'temporal', 'bundleWorkflows.js');
  if (!workflowsPath.endsWith('.js') || !fs.existsSync(bundler)) return undefined;
  const codePath = bundleCachePath(workflowsPath, tree, cacheDir);
  requireOwnDir(cacheDir);
  const cached = readUsedBundle(codePath);
  if (cached !== undefined) return { codePath, code: cached };
  await promisify(execFile)(process.execPath, [bundler, workflowsPath, codePath], { maxBuffer: 4 * 1024 * 1024 });
  const code = readUsedBundle(codePath);
  if (code === undefined) throw new Error(`bundling ${workflowsPath} wrote no ${codePath}`);
  pruneBundleCache(cacheDir);
  return { codePath, code };
}

/**
 * Creates `dir` (this user's only) unless it exists, and refuses one another user owns: the code of
 * a bundle found there runs in this user's worker.
 */
function requireOwnDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const owner = fs.statSync(dir).uid;
  if (uid !== undefined && owner !== uid) {
    throw new Error(`the workflow bundle cache ${dir} belongs to uid ${owner}, not this user (uid ${uid}): remove it, or set TMPDIR to a directory of your own`);
  }
}

/**
 * The code of the bundle at `codePath`, marked used (its mtime) first; undefined when there is
 * none. Read here, not by the worker later: a pruner that saw the bundle unused may remove it
 * meanwhile, and then this is undefined (the caller bundles again), not a worker that fails to start.
 */
export function readUsedBundle(codePath: string): string | undefined {
  try {
    markUsed(codePath);
    return fs.readFileSync(codePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Sets the file's mtime to now. A bundle this process may read but not touch (another user's, a
 * read-only file system) is used all the same: the mark only keeps it from the pruner.
 */
function markUsed(codePath: string): void {
  const now = new Date();
  try {
    fs.utimesSync(codePath, now, now);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
  }
}

/**
 * Removes the cache's files (bundles, and .partial files a killed bundler left) except the
 * KEPT_BUNDLES most recently used bundles and any file used within IN_USE_MS. Safe beside other
 * processes: a file is looked at again just before it goes, and one gone already is skipped.
 */
export function pruneBundleCache(cacheDir: string, now = Date.now()): void {
  const files = fs.readdirSync(cacheDir).flatMap((name) => {
    const file = path.join(cacheDir, name);
    const used = lastUsed(file);
    return used === undefined ? [] : [{ file, used, bundle: name.endsWith('.js') }];
  });
  const kept = new Set(files.filter((f) => f.bundle).sort((a, b) => b.used - a.used).slice(0, KEPT_BUNDLES).map((f) => f.file));
  for (const { file } of files) {
    if (kept.has(file)) continue;
    const used = lastUsed(file);
    if (used !== undefined && now - used >= IN_USE_MS) fs.rmSync(file, { force: true });
  }
}

function lastUsed(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined; // removed meanwhile by another process
  }
}
