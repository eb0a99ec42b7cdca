import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IN_USE_MS, KEPT_BUNDLES, prebuiltWorkflowBundle, pruneBundleCache, readUsedBundle } from '../src/temporal/workflowBundle';

const DIST_WORKFLOWS = path.resolve(__dirname, '../dist/workflows/index.js');

describe("the worker's workflow bundle, built outside the worker", () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  /** Writes an empty file `name` into the cache, last used `hours` ago. */
  function cached(name: string, hours: number): string {
    const file = path.join(cacheDir, name);
    fs.writeFileSync(file, '');
    const when = (Date.now() - hours * 3600_000) / 1000;
    fs.utimesSync(file, when, when);
    return name;
  }

  test("a bundle it may read but not mark used (another user's, a read-only file system) is read all the same", () => {
    const file = path.join(cacheDir, 'theirs.js');
    fs.writeFileSync(file, 'workflow code');
    // The tests run as root, whom utimes never refuses: the refusal is what the kernel gives anyone else.
    const refuse = jest.spyOn(fs, 'utimesSync').mockImplementation(() => {
      throw Object.assign(new Error(`EPERM: operation not permitted, utime '${file}'`), { code: 'EPERM' });
    });
    try {
      expect(readUsedBundle(file)).toBe('workflow code');
      expect(refuse).toHaveBeenCalled();
    } finally {
      refuse.mockRestore();
    }
    expect(readUsedBundle(path.join(cacheDir, 'gone.js'))).toBeUndefined();
  });

  test('a child process bundles the compiled workflows once into the cache; later workers reuse it, marking it used', async () => {
    const bundle = await prebuiltWorkflowBundle(DIST_WORKFLOWS, cacheDir);
    expect(bundle).toBeDefined();
    const { codePath, code } = bundle!;
    expect(path.dirname(codePath)).toBe(cacheDir);
    expect(code).toContain('etlRun');
    expect(fs.readFileSync(codePath, 'utf8')).toBe(code);

    // Reused days after it was written: the same file (not bundled again), its mtime now its last use.
    const { ino } = fs.statSync(codePath);
    const daysAgo = (Date.now() - 3 * 24 * 3600_000) / 1000;
    fs.utimesSync(codePath, daysAgo, daysAgo);
    const before = Date.now();
    expect(await prebuiltWorkflowBundle(DIST_WORKFLOWS, cacheDir)).toEqual({ codePath, code });
    expect(fs.statSync(codePath).ino).toBe(ino);
    expect(fs.statSync(codePath).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
  });

  // 289 bundles (512 MB) of one day's builds were found in the cache: only week-old ones went.
  test(`writing a bundle keeps the ${KEPT_BUNDLES} most recently used and any used lately; older ones and a killed bundler's .partial go`, async () => {
    // Ten other builds' bundles last used 3 to 12 hours ago, two used within the last two hours.
    const old = Array.from({ length: 10 }, (_, i) => cached(`old-${i}.js`, 3 + i));
    const recent = [cached('recent-0.js', 1), cached('recent-1.js', 1.5)];
    const leftPartial = cached('gone.js.123.partial', 5);
    const writing = cached('other.js.456.partial', 0.01);
    const bundle = await prebuiltWorkflowBundle(DIST_WORKFLOWS, cacheDir);
    const kept = [path.basename(bundle!.codePath), ...recent, ...old.slice(0, KEPT_BUNDLES - 3), writing];
    expect(fs.readdirSync(cacheDir).sort()).toEqual(kept.sort());
    expect(fs.existsSync(path.join(cacheDir, leftPartial))).toBe(false);
  });

  test('a bundle used lately is kept even beyond the most recently used few: a test run reads it again for each file', () => {
    const now = Date.now();
    const lately = Array.from({ length: KEPT_BUNDLES + 3 }, (_, i) => cached(`lately-${i}.js`, (i + 1) / 10));
    cached('unused.js', IN_USE_MS / 3600_000 + 1);
    pruneBundleCache(cacheDir, now);
    expect(fs.readdirSync(cacheDir).sort()).toEqual([...lately].sort());
  });

  describe('the default cache, in the temp dir every user shares', () => {
    const NOBODY = 65534;
    const uid = process.getuid!();

    /** prebuiltWorkflowBundle with its default cache dir, in a process whose temp dir is `cacheDir`. */
    function bundleWithDefaults(): { codePath?: string; error?: string } {
      const script = `require(${JSON.stringify(path.resolve(__dirname, '../dist/temporal/workflowBundle.js'))})
        .prebuiltWorkflowBundle(${JSON.stringify(DIST_WORKFLOWS)})
        .then((b) => console.log(JSON.stringify({ codePath: b.codePath })), (e) => console.log(JSON.stringify({ error: e.message })));`;
      const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: cacheDir }, encoding: 'utf8' });
      return JSON.parse(out) as { codePath?: string; error?: string };
    }

    // Anyone but root is refused writing there (EACCES) and bundled in-process on every start; root
    // is never refused, so what is checked is where the bundle goes.
    test("is this user's own: another user's sparkify-workflow-bundles is left alone", () => {
      const theirs = path.join(cacheDir, 'sparkify-workflow-bundles');
      fs.mkdirSync(theirs, { mode: 0o755 });
      fs.chownSync(theirs, NOBODY, NOBODY);
      const { codePath } = bundleWithDefaults();
      const dir = path.join(cacheDir, `sparkify-workflow-bundles-${uid}`);
      expect(path.dirname(codePath!)).toBe(dir);
      expect(fs.statSync(dir).uid).toBe(uid);
      expect(fs.statSync(dir).mode & 0o077).toBe(0);
      expect(fs.readdirSync(theirs)).toEqual([]);
    });

    test("one of this user's name that another user made first is refused, not read: its bundles would run in this worker", () => {
      const planted = path.join(cacheDir, `sparkify-workflow-bundles-${uid}`);
      fs.mkdirSync(planted);
      fs.chownSync(planted, NOBODY, NOBODY);
      expect(bundleWithDefaults()).toEqual({
        error: `the workflow bundle cache ${planted} belongs to uid ${NOBODY}, not this user (uid ${uid}): remove it, or set TMPDIR to a directory of your own`,
      });
      expect(fs.readdirSync(planted)).toEqual([]);
    });
  });

  test('TypeScript sources (a test runner) are left to in-process bundling', async () => {
    expect(await prebuiltWorkflowBundle(path.resolve(__dirname, '../src/workflows/index.ts'), cacheDir)).toBeUndefined();
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
