/**
 * Once per integration run: dist/ built from the current source (the tests run `bin/sparkify.js`
 * over it), and the workflow bundles every test file and worker process shares (workflowBundle.ts).
 * Set in the environment here, they reach every test file and the processes the tests start.
 */
import { ensureBuilt } from './build';
import { distBundle, PROCESS_BUNDLE_ENV, sourceBundle, TEST_BUNDLE_ENV } from './workflowBundle';

export default async function globalSetup(): Promise<void> {
  ensureBuilt();
  const [source, dist] = await Promise.all([sourceBundle(), distBundle()]);
  process.env[TEST_BUNDLE_ENV] = source;
  process.env[PROCESS_BUNDLE_ENV] = dist;
}
