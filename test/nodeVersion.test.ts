import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WANTED_NODE_MAJOR } from '../src/util/nodeVersion';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * The CLI as a user with an older system Node starts it (`node bin/sparkify.js`, `npx sparkify`),
 * against the Node the tests run under (scripts/node.sh's).
 */

/** The first `node` on PATH or in the usual system places older than the wanted one (the system Node 20 here). */
function olderNode(): { node: string; version: string } | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'].filter((d) => d !== '');
  for (const dir of dirs) {
    const node = path.join(dir, 'node');
    if (!fs.existsSync(node)) continue;
    const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (Number(version.split('.')[0]) < WANTED_NODE_MAJOR) return { node, version };
  }
  return undefined;
}

const older = olderNode();

(older ? test : test.skip)(`under an older Node (${older?.node ?? 'none found'}) the CLI warns, naming both versions and the way to Node ${WANTED_NODE_MAJOR}`, () => {
  const run = spawnSync(older!.node, [BIN, '--help'], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr).toContain(`sparkify: warning: this is Node ${older!.version}; sparkify-etl wants Node ${WANTED_NODE_MAJOR} or later`);
  expect(run.stderr).toContain('npm run -s sparkify -- …');
});

test(`under Node ${WANTED_NODE_MAJOR} it says nothing of the version`, () => {
  const run = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});
