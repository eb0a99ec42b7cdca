/**
 * Child process of src/temporal/workflowBundle.ts: bundles the workflows at argv[2] into the file
 * argv[3] (written beside it first, then renamed, so a concurrent reader sees all or nothing).
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';

async function main(): Promise<void> {
  const [workflowsPath, codePath] = process.argv.slice(2);
  if (!workflowsPath || !codePath) throw new Error('usage: bundleWorkflows.js WORKFLOWS_PATH OUT_FILE');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const partial = `${codePath}.${process.pid}.partial`;
  fs.writeFileSync(partial, code);
  fs.renameSync(partial, codePath);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundling the workflows failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
