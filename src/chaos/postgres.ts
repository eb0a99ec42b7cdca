import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../util/ports';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on a loopback port that the fault suite can restart at will. */
export interface ChaosPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** A new empty database; its URL. */
  createDatabase(prefix: string): Promise<string>;
  /** Stops the server at once (open sessions are cut) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function binDir(): string {
  if (process.env.SPARKIFY_PG_BIN) return process.env.SPARKIFY_PG_BIN;
  const debian = '/usr/lib/postgresql/15/bin';
  if (existsSync(path.join(debian, 'pg_ctl'))) return debian;
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

const isRoot = () => process.getuid?.() === 0;
/** PostgreSQL refuses to run as root: as root its commands run as the `postgres` user. */
const asServerUser = (file: string, args: string[]): [string, string[]] => (isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]);

async function pg(file: string, args: string[]): Promise<void> {
  const [cmd, cmdArgs] = asServerUser(file, args);
  try {
    await run(cmd, cmdArgs, { maxBuffer: 8 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${[cmd, ...cmdArgs].join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
}

async function waitForConnections(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL at ${url} does not accept connections: ${(err as Error).message}`, { cause: err });
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkify-chaos-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'postgres.log');
  const pgCtl = path.join(bin, 'pg_ctl');
  mkdirSync(socketDir);
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  let running = false;
  const cleanUp = () => {
    if (running) {
      const [cmd, args] = asServerUser(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10']);
      spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  await pg(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${socketDir}'\nfsync = off\nfull_page_writes = off\nmax_connections = 100\n`,
  );
  const start = async () => {
    await pg(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
    running = true;
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForConnections(url);
  let databases = 0;
  return {
    url,
    async createDatabase(prefix) {
      const name = `${prefix}_${++databases}_${process.pid}`;
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async restart() {
      // immediate: like a crash, sessions and open transactions are cut, recovery runs at start.
      await pg(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '60']);
      running = false;
      await start();
      await waitForConnections(url);
    },
    async stop() {
      if (running) await pg(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      running = false;
      process.removeListener('exit', cleanUp);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
