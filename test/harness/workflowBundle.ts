import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleCacheDir, pruneBundleCache, readUsedBundle } from '../../src/temporal/workflowBundle';

const ROOT = path.resolve(__dirname, '../..');
/** Read by src/worker.ts: a worker process takes this prebuilt bundle instead of bundling dist/workflows itself. */
export const PROCESS_BUNDLE_ENV = 'SPARKIFY_WORKFLOW_BUNDLE';
/** Read by startTestTemporal: the in-process workers' bundle of src/workflows. */
export const TEST_BUNDLE_ENV = 'SPARKIFY_TEST_WORKFLOW_BUNDLE';

function filesUnder(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : []))
    .sort();
}

/**
 * The workflow bundle of `workflowsPath`, built once and kept in the temp dir under a hash of every
 * file of `tree` (the code the bundle can import) and the SDK's version: each test file and each
 * worker process would otherwise spend seconds bundling the same code again. A changed source file
 * changes the hash, so a stale bundle is never used.
 */
async function cachedBundle(workflowsPath: string, tree: string, ext: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(require.resolve('@temporalio/worker/package.json')));
  hash.update(workflowsPath);
  for (const file of filesUnder(tree, ext)) hash.update(file).update(fs.readFileSync(file));
  const dir = bundleCacheDir();
  const codePath = path.join(dir, `${hash.digest('hex').slice(0, 32)}.js`);
  if (readUsedBundle(codePath) !== undefined) return codePath;
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${codePath}.${process.pid}.partial`;
  fs.writeFileSync(partial, code);
  fs.renameSync(partial, codePath);
  // The suite's worker processes take this bundle and never write one: the suite prunes the cache.
  pruneBundleCache(dir);
  return codePath;
}

/** The bundle of src/workflows, for workers in the test process. */
export function sourceBundle(): Promise<string> {
  return cachedBundle(path.join(ROOT, 'src/workflows/index.ts'), path.join(ROOT, 'src'), '.ts');
}

/** The bundle of dist/workflows, for `bin/sparkify.js` processes: what they would bundle themselves. */
export function distBundle(): Promise<string> {
  return cachedBundle(path.join(ROOT, 'dist/workflows/index.js'), path.join(ROOT, 'dist'), '.js');
}
