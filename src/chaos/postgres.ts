import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../util/ports';
import { asServerUser, createDatabase, isRoot, pgBinDir, waitForConnections } from '../bench/postgresServer';

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

async function pg(file: string, args: string[]): Promise<void> {
  const [cmd, cmdArgs] = asServerUser(file, args);
  try {
    await run(cmd, cmdArgs, { maxBuffer: 8 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${[cmd, ...cmdArgs].join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
}

export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const bin = pgBinDir();
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
  await waitForConnections(url, 60_000);
  return {
    url,
    createDatabase: (prefix) => createDatabase(url, prefix),
    async restart() {
      // immediate: like a crash, sessions and open transactions are cut, recovery runs at start.
      await pg(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '60']);
      running = false;
      await start();
      await waitForConnections(url, 60_000);
    },
    async stop() {
      if (running) await pg(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      running = false;
      process.removeListener('exit', cleanUp);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
