import fs from 'node:fs';
import path from 'node:path';

/**
 * Every dependency with an install script is reviewed in package.json's `allowScripts` (approved
 * with `true`, denied with `false`): npm only warns about the others at install time, where nobody
 * reads it, and a later npm refuses to run them. A dependency bump that brings a new one fails here.
 */
const ROOT = path.resolve(__dirname, '..', '..');

interface LockedPackage {
  name?: string;
  version?: string;
  hasInstallScript?: boolean;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

/** name@version of every locked package that has an install script. */
function packagesWithInstallScripts(): { name: string; version: string }[] {
  const lock = readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json');
  return Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([location, entry]) => ({
      name: entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version ?? '',
    }))
    .filter((pkg) => pkg.name !== '');
}

/** An allowScripts key is a name (every version) or name@version (that version, as npm pins it). */
function covers(key: string, pkg: { name: string; version: string }): boolean {
  const at = key.indexOf('@', 1);
  return at === -1 ? key === pkg.name : key.slice(0, at) === pkg.name && key.slice(at + 1) === pkg.version;
}

test('every locked dependency with an install script is approved or denied in allowScripts', () => {
  const allowScripts = readJson<{ allowScripts?: Record<string, boolean> }>('package.json').allowScripts ?? {};
  const unreviewed = packagesWithInstallScripts()
    .filter((pkg) => !Object.keys(allowScripts).some((key) => covers(key, pkg)))
    .map((pkg) => `${pkg.name}@${pkg.version}`);
  if (unreviewed.length > 0) {
    throw new Error(
      `package-lock.json has ${unreviewed.length} package(s) whose install scripts package.json's allowScripts ` +
        `neither approves nor denies: ${unreviewed.join(', ')}. Read each one's script (the "scripts" of ` +
        `node_modules/<name>/package.json), then run \`npm install-scripts approve <name>\` if the project ` +
        `needs it, or \`npm install-scripts deny <name>\`, and commit package.json.`,
    );
  }
});

test('an allowScripts key covers its name, or only its pinned version', () => {
  const swc = { name: '@swc/core', version: '1.16.22' };
  expect(covers('@swc/core', swc)).toBe(true);
  expect(covers('@swc/core@1.16.22', swc)).toBe(true);
  expect(covers('@swc/core@1.16.21', swc)).toBe(false);
  expect(covers('@swc/core-linux-x64-gnu', swc)).toBe(false);
  expect(covers('protobufjs', { name: 'protobufjs', version: '7.6.6' })).toBe(true);
});
