import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort } from '../src/util/ports';
import { resolveTemporalCli, temporalCliCacheDir, TEMPORAL_CLI_VERSION, type ResolvedCli } from '../src/temporal/cli';
import { OutputTail, PortInUseError, startDevServer, type DevServer } from '../src/temporal/devServer';
import { descendants, isAlive } from './support/processes';
import { provisionedTemporalCli } from './support/temporalCli';
import { SAMPLE_DIR } from './harness/temporal';

const REPO = path.resolve(__dirname, '..');
const originalEnv = { ...process.env };
let cli: ResolvedCli;
let tmp: string;

beforeAll(async () => {
  cli = await provisionedTemporalCli();
});

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-temporal-test-'));
});

afterEach(() => {
  process.env = { ...originalEnv };
  fs.rmSync(tmp, { recursive: true, force: true });
});

function dir(name: string): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function link(target: string, at: string): string {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
  return at;
}

/** A `go` on PATH that only records that it ran, to prove resolution never reached the build step. */
function goThatRecordsCalls(): { binDir: string; marker: string } {
  const binDir = dir('gobin');
  const marker = path.join(tmp, 'go-was-called');
  fs.writeFileSync(path.join(binDir, 'go'), `#!/bin/sh\n: > '${marker}'\nexit 1\n`, { mode: 0o755 });
  return { binDir, marker };
}

function cacheLayout(xdg: string): string {
  return path.join(xdg, 'sparkify-etl', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

describe('resolveTemporalCli', () => {
  test('cache dir follows XDG_CACHE_HOME', () => {
    process.env.XDG_CACHE_HOME = '/some/cache';
    expect(temporalCliCacheDir()).toBe('/some/cache/sparkify-etl/temporal-cli-1.5.1');
    delete process.env.XDG_CACHE_HOME;
    expect(temporalCliCacheDir()).toBe(path.join(os.homedir(), '.cache/sparkify-etl/temporal-cli-1.5.1'));
  });

  test('TEMPORAL_CLI_PATH wins over PATH and cache', async () => {
    const fromEnv = link(cli.path, path.join(dir('env'), 'my-temporal'));
    const pathDir = dir('bin');
    link(cli.path, path.join(pathDir, 'temporal'));
    const xdg = dir('xdg');
    link(cli.path, cacheLayout(xdg));
    process.env.TEMPORAL_CLI_PATH = fromEnv;
    process.env.PATH = pathDir;
    process.env.XDG_CACHE_HOME = xdg;

    await expect(resolveTemporalCli()).resolves.toEqual({ path: fromEnv, source: 'env' });
  });

  test('a non-executable TEMPORAL_CLI_PATH is an error naming the variable', async () => {
    const notExecutable = path.join(tmp, 'temporal');
    fs.writeFileSync(notExecutable, 'not a binary', { mode: 0o644 });
    process.env.TEMPORAL_CLI_PATH = notExecutable;
    await expect(resolveTemporalCli()).rejects.toThrow(/TEMPORAL_CLI_PATH.*not an executable file/);

    process.env.TEMPORAL_CLI_PATH = path.join(tmp, 'does-not-exist');
    await expect(resolveTemporalCli()).rejects.toThrow(/TEMPORAL_CLI_PATH/);
  });

  test('temporal on PATH wins over the cache', async () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const pathDir = dir('bin');
    const onPath = link(cli.path, path.join(pathDir, 'temporal'));
    const xdg = dir('xdg');
    link(cli.path, cacheLayout(xdg));
    process.env.PATH = [dir('empty'), pathDir].join(path.delimiter);
    process.env.XDG_CACHE_HOME = xdg;

    await expect(resolveTemporalCli()).resolves.toEqual({ path: onPath, source: 'path' });
  });

  test('the cached build is used without invoking go', async () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const { binDir, marker } = goThatRecordsCalls();
    const xdg = dir('xdg');
    const cached = link(cli.path, cacheLayout(xdg));
    process.env.PATH = binDir;
    process.env.XDG_CACHE_HOME = xdg;

    await expect(resolveTemporalCli()).resolves.toEqual({ path: cached, source: 'cache' });
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('nothing found: the reason, and a failed go build leaves no binary behind', async () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const { binDir, marker } = goThatRecordsCalls();
    const xdg = dir('xdg');
    process.env.PATH = binDir;
    process.env.XDG_CACHE_HOME = xdg;

    await expect(resolveTemporalCli({ build: false })).resolves.toEqual({
      path: undefined,
      reason: `no \`temporal\` on PATH and no cached build at ${cacheLayout(xdg)}`,
    });
    expect(fs.existsSync(marker)).toBe(false);

    const built = await resolveTemporalCli();
    expect(built.path).toBeUndefined();
    expect(built).toMatchObject({ reason: expect.stringContaining('building one there with Go failed: go install exited with code 1') });
    expect(fs.existsSync(marker)).toBe(true);
    expect(fs.readdirSync(path.dirname(cacheLayout(xdg)))).toEqual([]);
  });

  test('a cache dir that cannot be created is the reason given, before go runs', async () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const { binDir, marker } = goThatRecordsCalls();
    // A file where the cache's directory must be: fails for root too, as an unwritable HOME does for others.
    const xdg = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(xdg, '');
    process.env.PATH = binDir;
    process.env.XDG_CACHE_HOME = xdg;

    const found = await resolveTemporalCli();
    expect(found).toMatchObject({ path: undefined, reason: expect.stringMatching(/ENOTDIR.*not-a-dir\/sparkify-etl/) });
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('startDevServer', () => {
  const servers: DevServer[] = [];
  const connections: Connection[] = [];

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  async function start(opts: Parameters<typeof startDevServer>[0] = {}): Promise<DevServer> {
    const server = await startDevServer({ cli, ...opts });
    servers.push(server);
    return server;
  }

  async function connect(server: DevServer): Promise<Connection> {
    const connection = await Connection.connect({ address: server.address });
    connections.push(connection);
    return connection;
  }

  test('serves the namespace and search attributes it was asked for, and stop() leaves no process', async () => {
    const server = await start({
      namespace: 'sparkify-test',
      searchAttributes: { SparkifyRunId: 'Keyword', SparkifyRows: 'Int' },
    });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.namespace).toBe('sparkify-test');
    expect(server.uiUrl).toBeUndefined();
    const pid = server.pid;
    if (pid === undefined) throw new Error('expected the CLI server to report its pid');
    expect(isAlive(pid)).toBe(true);

    const connection = await connect(server);
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    const ns = await connection.workflowService.describeNamespace({ namespace: 'sparkify-test' });
    expect(ns.namespaceInfo?.name).toBe('sparkify-test');

    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'sparkify-test' });
    const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
    expect(customAttributes?.SparkifyRunId).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(customAttributes?.SparkifyRows).toBe(IndexedValueType.INDEXED_VALUE_TYPE_INT);

    await server.stop();
    await server.stop();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  test('no CLI and no SDK download: `sparkify run` says why the CLI was not found and what to set', () => {
    const { binDir } = goThatRecordsCalls();
    const notADir = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(notADir, '');
    const env: NodeJS.ProcessEnv = { ...originalEnv, PATH: binDir, XDG_CACHE_HOME: notADir };
    // The SDK downloads into (or reuses a download in) the temp dir: one under a file fails, network or not.
    env.TMPDIR = path.join(notADir, 'tmp');
    delete env.TEMPORAL_CLI_PATH;
    delete env.TEMPORAL_ADDRESS;
    const args = [path.join(REPO, 'bin/sparkify.js'), 'run', '--date', '2018-11-01', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${path.join(tmp, 'w.duckdb')}`];
    const run = spawnSync(process.execPath, args, { cwd: tmp, env, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    const said = run.stderr.split('\n').find((line) => line.startsWith('sparkify: '));
    expect(said).toMatch(/^sparkify: could not start a Temporal dev server: no `temporal` on PATH .*ENOTDIR.*not-a-dir\/sparkify-etl/);
    expect(said).toMatch(/the Temporal SDK's download of one failed \(.+\)/);
    expect(said).toMatch(/To fix: set TEMPORAL_CLI_PATH to a temporal binary, .* set XDG_CACHE_HOME to a writable directory/);
  });

  test('with ui: true the web UI answers HTTP 200', async () => {
    const server = await start({ ui: true });
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(server.uiUrl as string);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  test('two servers run side by side', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.address).not.toBe(b.address);
    for (const server of [a, b]) {
      const connection = await connect(server);
      await expect(connection.workflowService.getSystemInfo({})).resolves.toBeDefined();
    }
  });

  test('a server that cannot start on the port it was given says the port is in use, its own output the cause', async () => {
    const first = await start();
    const port = Number(first.address.split(':')[1]);
    // Whatever happens, a second server must not be left running.
    const second = startDevServer({ cli, port }).then((s) => (servers.push(s), s));
    const err = await second.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err?.message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 \\(the dev server's gRPC port\\) is already in use`));
    expect((err?.cause as Error).message).toMatch(/exited with code 1 before it was ready[\s\S]*address already in use/);
  });

  test('workflows survive a restart when dbFilename is set', async () => {
    const dbFilename = path.join(tmp, 'temporal.db');
    const workflowId = `persisted-${process.pid}-${Date.now()}`;

    const first = await start({ dbFilename });
    const firstClient = new Client({ connection: await connect(first), namespace: first.namespace });
    await firstClient.workflow.start('noSuchWorkflowType', { taskQueue: 'nobody-polls-this-queue', workflowId });
    await first.stop();
    expect(fs.statSync(dbFilename).size).toBeGreaterThan(0);

    const second = await start({ dbFilename });
    const secondClient = new Client({ connection: await connect(second), namespace: second.namespace });
    const description = await secondClient.workflow.getHandle(workflowId).describe();
    expect(description.workflowId).toBe(workflowId);
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe('nobody-polls-this-queue');
  });

  test('a parent that exits without stop() takes the server with it', async () => {
    // The exit hook only runs in a real process exit, so run startDevServer in a child node process.
    // The built modules (npm test builds first), so the child needs no compiler and sees every import.
    const devServerModule = path.join(REPO, 'dist/temporal/devServer.js');
    const script = `
      const { startDevServer } = require(${JSON.stringify(devServerModule)});
      startDevServer({ cli: ${JSON.stringify(cli)} }).then((s) => {
        process.stdout.write(String(s.pid) + '\\n');
        process.exit(0);
      }, (err) => { console.error(err); process.exit(2); });
    `;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const serverPid = Number(stdout.trim());
    expect(serverPid).toBeGreaterThan(0);

    try {
      const deadline = Date.now() + 5_000;
      while (isAlive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(isAlive(serverPid)).toBe(false);
    } finally {
      if (isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  });
  test('a parent killed with SIGKILL takes the server and its watchdog with it', async () => {
    // No 'exit' handler runs on SIGKILL (nor on a native crash): only the watchdog's lifeline can help.
    const devServerModule = path.join(REPO, 'dist/temporal/devServer.js');
    const script = `
      const { startDevServer } = require(${JSON.stringify(devServerModule)});
      startDevServer({ cli: ${JSON.stringify(cli)} }).then((s) => {
        process.stdout.write(String(s.pid) + '\\n');
        setInterval(() => undefined, 60_000);
      }, (err) => { console.error(err); process.exit(2); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the parent exited with ${code} before the server was up`)));
    });
    const serverPid = Number(stdout.trim());
    const below = descendants(child.pid!); // the server, and its watchdog if any
    expect(below).toContain(serverPid);

    child.kill('SIGKILL');
    try {
      // Generous: the server gets SIGTERM first and a grace period before SIGKILL.
      const deadline = Date.now() + 30_000;
      while (below.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(below.filter(isAlive)).toEqual([]);
    } finally {
      for (const pid of below.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  });

  test('a parent that exits before it has read the server\'s pid leaves the stopping to the watchdog, which outlives the server and its lifeline', async () => {
    // The exit hook knows the server's pid only once the watchdog's report of it has been read. A
    // parent that exits before (here: in the turn that started the server, once the watchdog has
    // forked the server and its lifeline) SIGKILLed the watchdog: its lifeline, orphaned, stopped
    // the server and then waited out its grace period; had the watchdog been killed before it forked
    // the lifeline, nothing would have stopped the server.
    const devServerModule = path.join(REPO, 'dist/temporal/devServer.js');
    const script = `
      const fs = require('node:fs');
      const { startDevServer } = require(${JSON.stringify(devServerModule)});
      const children = (pid) => fs.readFileSync('/proc/' + pid + '/task/' + pid + '/children', 'utf8').split(' ').filter(Boolean).map(Number);
      // A given port and CLI: the watchdog is spawned before startDevServer's first await.
      startDevServer({ cli: ${JSON.stringify(cli)}, port: ${await freePort()} }).catch(() => undefined);
      // Without yielding to the event loop, so the pid report stays unread.
      let watchdog;
      while (watchdog === undefined) {
        const [first] = children(process.pid);
        if (first !== undefined && children(first).length >= 2) watchdog = first;
      }
      process.stdout.write(JSON.stringify({ watchdog, below: children(watchdog) }) + '\\n');
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    expect(await new Promise<number | null>((resolve) => child.once('close', resolve))).toBe(0);
    const { watchdog, below } = JSON.parse(stdout) as { watchdog: number; below: number[] };
    expect(below).toHaveLength(2); // the server and the lifeline
    const orphans: number[][] = [];
    try {
      // Generous: the server gets SIGTERM first and a grace period before SIGKILL.
      const deadline = Date.now() + 30_000;
      while ([watchdog, ...below].some(isAlive) && Date.now() < deadline) {
        // Neither the server nor the lifeline is ever left without the watchdog that stops and reaps them.
        if (!isAlive(watchdog) && below.some(isAlive)) orphans.push(below.filter(isAlive));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect({ left: [watchdog, ...below].filter(isAlive), orphans: orphans.slice(0, 1) }).toEqual({ left: [], orphans: [] });
    } finally {
      for (const pid of [watchdog, ...below].filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

describe('start-up failures', () => {
  function capturingLogger() {
    const lines: { msg: string; attempt?: number }[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { log: pino({ level: 'warn' }, stream), lines };
  }

  test('a server that dies at start-up on ports it picked is tried again on new ports, then the error names why', async () => {
    const { log, lines } = capturingLogger();
    const notAFile = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-db-dir-'));
    try {
      await expect(startDevServer({ dbFilename: notAFile, log })).rejects.toThrow(/before it was ready[\s\S]*unable to open database file/);
      expect(lines.filter((l) => /trying again on other ports/.test(l.msg)).map((l) => l.attempt)).toEqual([1, 2]);
    } finally {
      fs.rmSync(notAFile, { recursive: true, force: true });
    }
  });

  test('with a port the caller chose, there is no second try', async () => {
    const { log, lines } = capturingLogger();
    const notAFile = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-db-dir-'));
    try {
      await expect(startDevServer({ dbFilename: notAFile, port: await freePort(), log })).rejects.toThrow(/before it was ready/);
      expect(lines.filter((l) => /trying again/.test(l.msg))).toEqual([]);
    } finally {
      fs.rmSync(notAFile, { recursive: true, force: true });
    }
  });

  test('a server that dies at start-up leaves nothing behind to keep the caller alive', async () => {
    // In a child process, whose only other resources are its stdio: what is left once
    // startDevServer has thrown keeps it from exiting (it kept Jest waiting after this file).
    const devServerModule = path.join(REPO, 'dist/temporal/devServer.js');
    const notAFile = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-db-dir-'));
    const script = `
      const { startDevServer } = require(${JSON.stringify(devServerModule)});
      startDevServer({ cli: ${JSON.stringify(cli)}, dbFilename: ${JSON.stringify(notAFile)} }).then(
        () => process.exit(2),
        // A turn of the event loop later, so handles closed at the rejection are gone.
        () => setImmediate(() => setImmediate(() => process.stdout.write(JSON.stringify(process.getActiveResourcesInfo())))),
      );
    `;
    try {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code).toBe(0);
      expect((JSON.parse(stdout) as string[]).filter((kind) => kind !== 'PipeWrap' && kind !== 'TTYWrap')).toEqual([]);
    } finally {
      fs.rmSync(notAFile, { recursive: true, force: true });
    }
  });

  test("Go's panic header is kept in the error text even when the stack pushes it out of the tail", () => {
    const tail = new OutputTail(pino({ level: 'silent' }));
    tail.push(Buffer.from('panic: listen tcp 127.0.0.1:7234: bind: address already in use\n\ngoroutine 1 [running]:\n'));
    for (let i = 0; i < 60; i++) tail.push(Buffer.from(`\tframe ${i}\n`));
    const text = tail.text();
    expect(text.split('\n')[0]).toBe('panic: listen tcp 127.0.0.1:7234: bind: address already in use');
    expect(text).toContain('frame 59');
    expect(text).not.toContain('frame 0\n');
  });
});
