import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * For tests that run `bin/sparkify.js` over dist/: builds dist/ when it is missing or older than
 * any file under src/ (tsc rewrites every output, so dist/cli/main.js dates the last build).
 * `npm test` builds first, so there this costs one directory walk instead of a second build.
 */
export function ensureBuilt(): void {
  const marker = path.join(ROOT, 'dist/cli/main.js');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}
