import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, silentLogger, type Logger } from '../log';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const BINARY_NAME = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const PROGRESS_INTERVAL_MS = 20_000;

export type CliSource = 'env' | 'path' | 'cache' | 'built';

export interface ResolvedCli {
  path: string;
  source: CliSource;
}

/** No binary was found: why, naming the places looked at, for the caller's error message. */
export interface MissingCli {
  path: undefined;
  reason: string;
}

export interface ResolveOptions {
  log?: Logger;
  /** Build the CLI with `go install` when nothing else is found. Default true. */
  build?: boolean;
}

/** `${XDG_CACHE_HOME:-~/.cache}/sparkify-etl/temporal-cli-<version>`, read from the environment at call time. */
export function temporalCliCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'sparkify-etl', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

/** What the user can do when no Temporal CLI is found, for error messages. */
export const TEMPORAL_CLI_FIXES =
  'set TEMPORAL_CLI_PATH to a temporal binary, or put `temporal` on PATH, or have Go on PATH and set XDG_CACHE_HOME ' +
  'to a writable directory (default ~/.cache) so it can be built there';

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.resolve(dir, name + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Finds a Temporal CLI binary, building it with Go into the cache when none is found.
 * Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, a fresh `go install`.
 * When none of these works it says why; callers then fall back to the SDK's own download.
 */
export async function resolveTemporalCli(opts: ResolveOptions = {}): Promise<ResolvedCli | MissingCli> {
  const log = opts.log ?? silentLogger;

  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    const resolved = path.resolve(fromEnv);
    if (!isExecutableFile(resolved)) {
      throw new Error(`TEMPORAL_CLI_PATH is set to ${fromEnv}, which is not an executable file`);
    }
    log.debug({ path: resolved }, 'using Temporal CLI from TEMPORAL_CLI_PATH');
    return { path: resolved, source: 'env' };
  }

  const onPath = findOnPath('temporal');
  if (onPath !== undefined) {
    log.debug({ path: onPath }, 'using Temporal CLI found on PATH');
    return { path: onPath, source: 'path' };
  }

  const cacheDir = temporalCliCacheDir();
  const cached = path.join(cacheDir, BINARY_NAME);
  if (isExecutableFile(cached)) {
    log.debug({ path: cached }, 'using cached Temporal CLI build');
    return { path: cached, source: 'cache' };
  }

  const notFound = `no \`temporal\` on PATH and no cached build at ${cached}`;
  if (opts.build === false) return { path: undefined, reason: notFound };
  const go = findOnPath('go');
  if (go === undefined) {
    log.debug('no Temporal CLI found and no Go toolchain on PATH to build one');
    return { path: undefined, reason: `${notFound}, and no Go toolchain on PATH to build one` };
  }
  try {
    await buildIntoCache(go, cacheDir, log);
  } catch (err) {
    log.warn({ err }, 'building the Temporal CLI with Go failed');
    return { path: undefined, reason: `${notFound}, and building one there with Go failed: ${(err as Error).message}` };
  }
  return { path: cached, source: 'built' };
}

async function buildIntoCache(go: string, cacheDir: string, log: Logger): Promise<void> {
  const target = path.join(cacheDir, BINARY_NAME);
  await fs.promises.mkdir(cacheDir, { recursive: true });
  // A sibling temp dir keeps the final rename on one filesystem, so it is atomic: a concurrent
  // reader sees either no binary or a complete one, never a half-written file.
  const tmpDir = await fs.promises.mkdtemp(path.join(cacheDir, '.build-'));
  const started = Date.now();
  log.info(
    { version: TEMPORAL_CLI_VERSION, cacheDir },
    `building Temporal CLI v${TEMPORAL_CLI_VERSION} with go install; this takes a few minutes the first time`,
  );
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    log.info(`still building Temporal CLI v${TEMPORAL_CLI_VERSION}… (${seconds}s so far)`);
  }, PROGRESS_INTERVAL_MS);
  try {
    await runGoInstall(go, tmpDir);
    const built = path.join(tmpDir, BINARY_NAME);
    if (!isExecutableFile(built)) throw new Error(`go install finished but produced no ${built}`);
    await fs.promises.rename(built, target);
    log.info({ path: target, seconds: Math.round((Date.now() - started) / 1000) }, 'Temporal CLI built');
  } finally {
    clearInterval(timer);
    await fs.promises.rm(tmpDir, { recursive: true, force: true });
  }
}

function runGoInstall(go: string, gobin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: gobin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`go install exited with ${signal ?? `code ${code}`}:\n${output.trim()}`));
    });
  });
}

// Exit codes are set rather than process.exit() so the logger can flush.
async function main(): Promise<void> {
  const log = createLogger();
  let cli: ResolvedCli | MissingCli;
  try {
    cli = await resolveTemporalCli({ log });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  if (cli.path === undefined) {
    process.stderr.write(
      `error: could not provision Temporal CLI v${TEMPORAL_CLI_VERSION}: ${cli.reason}; ` +
        `${TEMPORAL_CLI_FIXES}\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${cli.path}\n`);
}

if (require.main === module) {
  void main();
}
