import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeRowsFileName } from '../../src/staging/nativeRows';

/**
 * scripts/native.sh runs inside `npm ci` (prepare) and `npm start`: a native build that fails must
 * leave the JavaScript encoder in charge, not fail the README's commands, and must not leave an
 * earlier build's library to be loaded as this source's. Run on a copy of the script, in a scratch
 * tree, with a stand-in cargo first on PATH.
 */
const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'native.sh');

function scratchTree(cargoScript: string): { root: string; library: string; env: NodeJS.ProcessEnv } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'native-sh-'));
  fs.mkdirSync(path.join(root, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(root, 'scripts', 'native.sh'));
  const release = path.join(root, 'native', 'rows', 'target', 'release');
  fs.mkdirSync(release, { recursive: true });
  const library = path.join(release, nativeRowsFileName());
  fs.writeFileSync(library, 'an earlier build');
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'cargo'), `#!/usr/bin/env bash\n${cargoScript}\n`, { mode: 0o755 });
  return { root, library, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } };
}

test('a failed cargo build leaves the build going on, says why, and removes the earlier library', () => {
  const tree = scratchTree('echo "error: linking with cc failed: undefined symbol napi_create_function" >&2; exit 101');
  const run = spawnSync('bash', [path.join(tree.root, 'scripts', 'native.sh')], { env: tree.env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr).toContain('undefined symbol napi_create_function');
  expect(run.stderr).toContain('cargo could not build native/rows');
  expect(fs.existsSync(tree.library)).toBe(false);
  fs.rmSync(tree.root, { recursive: true, force: true });
});

test('a cargo build that succeeds keeps its library and prints nothing of its own', () => {
  const tree = scratchTree('exit 0');
  const run = spawnSync('bash', [path.join(tree.root, 'scripts', 'native.sh')], { env: tree.env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  expect(fs.readFileSync(tree.library, 'utf8')).toBe('an earlier build');
  fs.rmSync(tree.root, { recursive: true, force: true });
});

test('the library is looked for under the name cargo gives a cdylib on each platform', () => {
  expect(nativeRowsFileName('linux')).toBe('libsparkify_rows.so');
  expect(nativeRowsFileName('darwin')).toBe('libsparkify_rows.dylib');
  expect(nativeRowsFileName('win32')).toBe('sparkify_rows.dll');
});
