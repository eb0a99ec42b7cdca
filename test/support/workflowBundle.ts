import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CACHE_DIR = path.join(os.tmpdir(), 'sparkify-workflow-bundles');
const STALE_AFTER_MS = 24 * 3600_000;

/** Every file the bundle can depend on: the sources and the locked dependency versions. */
function inputsHash(): string {
  const hash = createHash('sha256');
  const files = fs
    .readdirSync(path.join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => path.join(f.parentPath, f.name))
    .sort();
  for (const file of [...files, path.join(ROOT, 'package-lock.json')]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The workflow code bundled once per state of `src/` and kept on disk, so each integration test
 * file's worker loads it instead of running webpack again (seconds per file on two cores). The key
 * hashes every file under src/ and package-lock.json: any change to the code is bundled afresh.
 */
export async function sharedWorkflowBundle(): Promise<{ codePath: string }> {
  const codePath = path.join(CACHE_DIR, `workflows-${inputsHash()}.js`);
  if (fs.existsSync(codePath)) {
    // Marked as used, so another state's clean-up (below) leaves it be.
    const now = new Date();
    fs.utimesSync(codePath, now, now);
    return { codePath };
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: new DefaultLogger('ERROR') });
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Written whole, then renamed: a test file starting in parallel never reads half a bundle.
  const partial = `${codePath}.${process.pid}.partial`;
  fs.writeFileSync(partial, code);
  fs.renameSync(partial, codePath);
  for (const old of fs.readdirSync(CACHE_DIR)) {
    const file = path.join(CACHE_DIR, old);
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > STALE_AFTER_MS) fs.rmSync(file, { force: true });
    } catch {
      // Another run removed it first.
    }
  }
  return { codePath };
}
