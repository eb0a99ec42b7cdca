/**
 * A throwaway PostgreSQL 15 cluster on a free loopback port, from the server binaries on this
 * machine: what the benchmark runs against, and (through test/harness/postgres.ts) the tests.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../util/ports';
import { sqlStatement } from '../warehouse/sql';

const execFileAsync = promisify(execFile);

export interface PgServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  stop(): Promise<void>;
}

const DEBIAN_BIN_DIR = '/usr/lib/postgresql/15/bin';
const DEBIAN_PACKAGE = 'postgresql-15';
const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres'];
const START_TIMEOUT_MS = 60_000;

/** SPARKIFY_PG_BIN, else Debian's PostgreSQL 15 directory if present, else `pg_config --bindir`. */
export function pgBinDir(): string {
  const fromEnv = process.env.SPARKIFY_PG_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (existsSync(path.join(DEBIAN_BIN_DIR, 'pg_ctl'))) return DEBIAN_BIN_DIR;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dir !== '') return dir;
  } catch {
    // no pg_config on PATH: fall through so the error below names the Debian path
  }
  return DEBIAN_BIN_DIR;
}

function assertBinaries(binDir: string): void {
  const missing = REQUIRED_BINARIES.filter((name) => {
    try {
      accessSync(path.join(binDir, name), fsConstants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `PostgreSQL binaries not found: ${missing.map((m) => path.join(binDir, m)).join(', ')}. ` +
        `Install the Debian package ${DEBIAN_PACKAGE} (apt-get install -y ${DEBIAN_PACKAGE}), ` +
        'set SPARKIFY_PG_BIN to a directory holding initdb/pg_ctl/postgres, ' +
        'or point SPARKIFY_TEST_PG_URL at a running server.',
    );
  }
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user. */
export function asServerUser(file: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

async function run(file: string, args: string[], cwd: string): Promise<void> {
  const [cmd, cmdArgs] = asServerUser(file, args);
  try {
    await execFileAsync(cmd, cmdArgs, { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${[cmd, ...cmdArgs].join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function waitForConnections(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL at ${url} does not accept connections: ${(err as Error).message}`, { cause: err });
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StartOptions {
  /** Extra postgresql.conf lines (e.g. memory settings). */
  settings?: string[];
}

/** Starts a throwaway cluster. Throws when the binaries are missing. */
export async function startThrowawayPostgres(options: StartOptions = {}): Promise<PgServer> {
  const binDir = pgBinDir();
  assertBinaries(binDir);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'sparkify-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'postgres.log');
  const pgCtl = path.join(binDir, 'pg_ctl');

  let started = false;
  const forceStop = (): void => {
    if (started) {
      const [cmd, args] = asServerUser(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10']);
      spawnSync(cmd, args, { cwd: dir, stdio: 'ignore', timeout: 15_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', forceStop);

  try {
    await mkdir(socketDir);
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      await chown(dir, uid, gid);
      await chown(socketDir, uid, gid);
    }

    await run(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      dir,
    );

    // freePort() can race with another process grabbing the port before postgres binds it: retry.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await appendFile(
        path.join(dataDir, 'postgresql.conf'),
        [
          '',
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${socketDir}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          'max_connections = 50',
          ...(options.settings ?? []),
          '',
        ].join('\n'),
      );
      try {
        started = true;
        await run(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_MS / 1000)], dir);
        break;
      } catch (err) {
        started = false;
        if (attempt >= 3) throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${await tail(logFile)}`, { cause: err });
      }
    }

    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitForConnections(url, START_TIMEOUT_MS);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        try {
          await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], dir);
          started = false;
        } finally {
          process.removeListener('exit', forceStop);
          if (started) forceStop();
          else await rm(dir, { recursive: true, force: true });
        }
      })();
      return stopping;
    };
    return { url, stop };
  } catch (err) {
    process.removeListener('exit', forceStop);
    forceStop();
    throw err;
  }
}

/** Creates `<prefix>_<random hex>` on the server and returns a URL pointing at it. */
export async function createDatabase(serverUrl: string, prefix: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new Error(`database prefix must be lower-case letters, digits and underscores: ${JSON.stringify(prefix)}`);
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, sqlStatement('bench/postgres_create_database', 'postgres', { database: name }));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database `databaseUrl` names (one createDatabase made), from the server's own database. */
export async function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  await onServer(serverUrl, sqlStatement('bench/postgres_drop_database', 'postgres', { database: name }));
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  // The cluster may be stopped under it (Ctrl-C or SIGTERM during a bench). The call then fails;
  // an 'error' event from the ended connection must not end the process (as it did in floor.ts).
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
