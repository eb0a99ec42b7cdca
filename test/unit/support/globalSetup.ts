/**
 * Once per fast-tier run: the project's Temporal dev server (in memory) and the workflow bundle,
 * shared by every workflow test file (each runs its own worker on its own task queue).
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../../../src/etl/searchAttributes';
import { startDevServer, type DevServer } from '../../../src/temporal/devServer';

export const ADDRESS_ENV = 'SPARKIFY_UNIT_TEMPORAL_ADDRESS';
export const BUNDLE_ENV = 'SPARKIFY_UNIT_WORKFLOW_BUNDLE';

export interface UnitGlobals {
  server: DevServer;
  dir: string;
}

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-unit-'));
  const [server, bundle] = await Promise.all([
    startDevServer({ searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../../src/workflows'), logger: new DefaultLogger('ERROR') }),
  ]);
  const codePath = path.join(dir, 'workflows.js');
  fs.writeFileSync(codePath, bundle.code);
  process.env[ADDRESS_ENV] = server.address;
  process.env[BUNDLE_ENV] = codePath;
  (globalThis as { sparkifyUnit?: UnitGlobals }).sparkifyUnit = { server, dir };
}
