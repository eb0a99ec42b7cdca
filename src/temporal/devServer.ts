import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { silentLogger, type Logger } from '../log';
import { freePort, waitForPort } from '../util/ports';
import { rootMessage } from '../etl/failures';
import { resolveTemporalCli, TEMPORAL_CLI_FIXES, type MissingCli, type ResolvedCli } from './cli';
import { spawnWatched } from './watchdog';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServerOptions {
  /** Default 127.0.0.1. */
  ip?: string;
  /** Default: a free port. */
  port?: number;
  /** Default false. */
  ui?: boolean;
  /** Default: a free port when ui is true. */
  uiPort?: number;
  /** SQLite file for persistence; default in-memory. */
  dbFilename?: string;
  /** Default 'default'. */
  namespace?: string;
  searchAttributes?: Record<string, SearchAttributeType>;
  log?: Logger;
  /** Default: resolveTemporalCli(). */
  cli?: ResolvedCli;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The server process; undefined when the SDK runs it. */
  pid?: number;
  /** Stops the server and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LINES_KEPT = 40;
const BANNERLESS_GRACE_MS = 10_000;

/** Starts a Temporal dev server, from the resolved CLI if there is one, else through the SDK's download. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? silentLogger;
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const ui = opts.ui ?? false;
  const cli = opts.cli ?? (await resolveTemporalCli({ log }));
  // Ports we pick ourselves can be taken by another process between the pick and the server's
  // bind (tests start servers in parallel); then the server dies at start-up and a new pick helps.
  const pickedPorts = opts.port === undefined && (!ui || opts.uiPort === undefined);
  for (let attempt = 1; ; attempt++) {
    const settings: Settings = {
      ip,
      port: opts.port ?? (await freePort(ip)),
      uiPort: ui ? (opts.uiPort ?? (await freePort(ip))) : undefined,
      namespace,
      dbFilename: opts.dbFilename,
      searchAttributes: opts.searchAttributes ?? {},
      log,
    };
    if (cli.path === undefined) return startWithSdk(cli, settings);
    try {
      return await startWithCli(cli, settings);
    } catch (err) {
      const taken = err instanceof EarlyExitError ? takenPort(err.message, opts) : undefined;
      if (taken !== undefined) throw new PortInUseError(ip, taken.port, taken.which, err as Error);
      if (!(err instanceof EarlyExitError) || !pickedPorts || attempt >= START_ATTEMPTS) throw err;
      log.warn({ attempt, error: err.message }, 'Temporal dev server died at start-up; trying again on other ports');
    }
  }
}

const START_ATTEMPTS = 3;

/** A port the caller chose is held by another process, often a dev server left from an earlier run. */
export class PortInUseError extends Error {
  constructor(
    readonly ip: string,
    readonly port: number,
    /** Which of DevServerOptions named it. */
    readonly which: 'port' | 'uiPort',
    cause: Error,
  ) {
    super(
      `port ${port} on ${ip} (the dev server's ${which === 'port' ? 'gRPC' : 'Web UI'} port) is already in use, ` +
        'perhaps by a Temporal dev server left running by an earlier command; ' +
        `see which process holds it with \`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\``,
      { cause },
    );
  }
}

/** The caller's own port that the server could not bind, from Go's "listen tcp …:PORT: bind: address already in use". */
function takenPort(output: string, opts: DevServerOptions): { port: number; which: 'port' | 'uiPort' } | undefined {
  for (const match of output.matchAll(/:(\d+): bind: address already in use/g)) {
    const port = Number(match[1]);
    if (port === opts.port) return { port, which: 'port' };
    if (port === opts.uiPort) return { port, which: 'uiPort' };
  }
  return undefined;
}

interface Settings {
  ip: string;
  port: number;
  uiPort: number | undefined;
  namespace: string;
  dbFilename: string | undefined;
  searchAttributes: Record<string, SearchAttributeType>;
  log: Logger;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function cliArgs(s: Settings): string[] {
  const args = ['server', 'start-dev', '--ip', s.ip, '--port', String(s.port)];
  if (s.uiPort !== undefined) args.push('--ui-port', String(s.uiPort));
  else args.push('--headless');
  if (s.dbFilename !== undefined) args.push('--db-filename', s.dbFilename);
  args.push('--namespace', s.namespace);
  for (const [name, type] of Object.entries(s.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);
  // --http-port and --metrics-port are left out on purpose: start-dev picks a random free port
  // for each when they are not given, so concurrent servers do not collide on them.
  args.push('--log-level', 'warn');
  // An activity the workflow schedules comes back in the reply to the workflow task that scheduled
  // it, not through another poll: the SDK asks for that, but the server (1.29) does it only when
  // this is on. A run is a chain of a dozen such hand-offs.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  return args;
}

/** Keeps the last lines a process printed, for error messages. */
export class OutputTail {
  private lines: string[] = [];
  /** Go's panic and fatal-error headers come long before the stack's end: keep them apart. */
  private causes: string[] = [];
  private partial = '';
  /** start-dev prints "Server:  <host>:<port>" only once it has bound its ports and started. */
  sawStartedBanner = false;

  constructor(private readonly log: Logger) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    if (/^Server:\s/.test(line)) this.sawStartedBanner = true;
    this.log.debug({ line }, 'temporal dev server output');
    if (/^(panic|fatal error):/.test(line) && this.causes.length < 5) this.causes.push(line);
    this.lines.push(line);
    if (this.lines.length > OUTPUT_LINES_KEPT) this.lines.shift();
  }

  text(): string {
    const all = this.partial.trim() === '' ? this.lines : [...this.lines, this.partial];
    const causes = this.causes.filter((c) => !all.includes(c));
    return [...causes, ...(causes.length > 0 ? ['…'] : []), ...all].join('\n');
  }
}

class EarlyExitError extends Error {}

async function startWithCli(cli: ResolvedCli, s: Settings): Promise<DevServer> {
  const args = cliArgs(s);
  const address = hostPort(s.ip, s.port);
  s.log.info({ cli: cli.path, source: cli.source, address, uiPort: s.uiPort }, 'starting Temporal dev server');

  const tail = new OutputTail(s.log);
  // Under a watchdog, so the server goes when this process goes, however it goes (src/temporal/watchdog.ts).
  const { child, pid: serverPid } = spawnWatched(cli.path, args);
  let pid: number | undefined;
  void serverPid.then((p) => (pid = p));
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));

  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not run ${cli.path}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
  // 'close' comes after the pipes are drained, so the output tail is complete by then.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  // 'exit' handlers must be synchronous, which kill() is. When they do not run (SIGKILL, a native
  // crash, a signal without a handler), the watchdog sees its lifeline close and stops the server.
  const killOnExit = () => {
    if (isRunning(child)) killServer(child, pid);
  };
  process.on('exit', killOnExit);

  let connection: Connection | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await terminate(child, exited, await serverPid);
      process.removeListener('exit', killOnExit);
      await connection?.close();
    })();
    return stopping;
  };

  const abort = new AbortController();
  const ready = waitUntilReady(s, address, () => tail.sawStartedBanner, abort.signal);
  const diedEarly = exited.then(async (why): Promise<never> => {
    await atMost(closed, 500);
    throw new EarlyExitError(`Temporal dev server ${why} before it was ready. Last output:\n${tail.text()}`);
  });
  // Whichever loses the race below rejects later; nobody needs to hear about it.
  ready.catch(() => undefined);
  diedEarly.catch(() => undefined);
  try {
    connection = await Promise.race([ready, diedEarly]);
  } catch (err) {
    abort.abort();
    await stop();
    if (err instanceof EarlyExitError) throw err;
    throw new Error(`${(err as Error).message}\nLast output of the Temporal dev server:\n${tail.text()}`, {
      cause: err,
    });
  }

  void exited.then((why) => {
    if (stopping !== undefined) return;
    s.log.error({ address, output: tail.text() }, `Temporal dev server ${why} unexpectedly`);
  });
  const uiUrl = s.uiPort !== undefined ? `http://${hostPort(s.ip, s.uiPort)}` : undefined;
  s.log.info({ address, uiUrl, pid: await serverPid }, 'Temporal dev server ready');
  return { address, namespace: s.namespace, uiUrl, pid: await serverPid, stop };
}

/** Waits for done, or ms at most; the timer does not outlive done. */
async function atMost(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * SIGKILL to the server; the watchdog then exits as it did. When the server's pid is unknown (not
 * read yet from the watchdog's report, as in an exit hook that runs in the turn that started it),
 * this closes the watchdog's lifeline instead: the watchdog then stops the server (TERM, KILL after
 * its grace period), reaps the lifeline and exits. It is never killed itself: a SIGKILLed watchdog
 * left its lifeline and the server orphaned (the server unstopped when it had not forked the
 * lifeline yet).
 */
function killServer(child: ChildProcess, serverPid: number | undefined): void {
  if (serverPid === undefined) {
    child.stdin?.destroy();
    return;
  }
  try {
    process.kill(serverPid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

async function terminate(child: ChildProcess, exited: Promise<string>, serverPid: number | undefined): Promise<void> {
  if (child.pid === undefined || !isRunning(child)) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([exited, grace]);
  clearTimeout(timer);
  if (outcome === 'timeout' && isRunning(child)) {
    killServer(child, serverPid);
    await exited;
  }
}

/**
 * Polls until the frontend answers getSystemInfo and knows the namespace, and the UI (if any) listens.
 *
 * An answer alone does not prove it is our child answering: another server may already hold the
 * port, and our child then exits with "address already in use" a moment later. So we also wait
 * for the child's started banner; a CLI version that prints none is accepted once it has stayed
 * alive for BANNERLESS_GRACE_MS after the first answer (a failed bind exits well within that).
 */
async function waitUntilReady(
  s: Settings,
  address: string,
  started: () => boolean,
  abort: AbortSignal,
): Promise<Connection> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  let connection: Connection | undefined;
  let firstAnswerAt: number | undefined;
  try {
    for (;;) {
      if (abort.aborted) throw new Error('aborted');
      if (Date.now() > deadline) {
        const why =
          connection === undefined ? String(lastError) : 'the server answered but never reported it had started';
        throw new Error(`Temporal dev server at ${address} was not ready within ${READY_TIMEOUT_MS} ms: ${why}`);
      }
      if (connection === undefined) {
        // Connection.connect would leak the channel when it fails, so a lazy one we can close. Not
        // ensureConnected either: its wait for the channel (gRPC waitForReady) keeps a timer for
        // the whole connect timeout even once the channel is closed, which kept a caller whose
        // server died at start-up alive for 5 s. Calls with a deadline end when the channel closes.
        const callTimeout = Math.min(5_000, Math.max(deadline - Date.now(), 1));
        // No gRPC retries: this loop is the retry, and a retry on a closed channel throws.
        const attempt = Connection.lazy({ address, interceptors: [] });
        // Closed when the server died or the caller gave up, so no call waits out its deadline.
        const closeOnAbort = () => void attempt.close();
        abort.addEventListener('abort', closeOnAbort);
        try {
          await attempt.withDeadline(Date.now() + callTimeout, async () => {
            await attempt.workflowService.getSystemInfo({});
            await attempt.workflowService.describeNamespace({ namespace: s.namespace });
          });
          connection = attempt;
          firstAnswerAt = Date.now();
        } catch (err) {
          lastError = err;
          await attempt.close();
        } finally {
          abort.removeEventListener('abort', closeOnAbort);
        }
      }
      if (connection !== undefined && firstAnswerAt !== undefined) {
        if (started() || Date.now() - firstAnswerAt > BANNERLESS_GRACE_MS) break;
      }
      await delay(connection === undefined ? 200 : 50, undefined, { signal: abort });
    }
    if (s.uiPort !== undefined) await waitForPort(s.ip, s.uiPort, Math.max(deadline - Date.now(), 1_000));
    return connection;
  } catch (err) {
    await connection?.close();
    throw err;
  }
}

const SDK_SEARCH_ATTRIBUTE_TYPES = {
  Keyword: 'KEYWORD',
  Text: 'TEXT',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
} as const;

/** Neither our CLI lookup nor the SDK's download gave a dev server; says both why-s and the fixes. */
class NoTemporalCliError extends Error {
  constructor(missing: MissingCli, downloadError: unknown) {
    super(
      `could not start a Temporal dev server: ${missing.reason}; and the Temporal SDK's download of one failed ` +
        `(${rootMessage(downloadError)}). To fix: ${TEMPORAL_CLI_FIXES}`,
      { cause: downloadError },
    );
  }
}

async function startWithSdk(missing: MissingCli, s: Settings): Promise<DevServer> {
  s.log.warn({ reason: missing.reason }, 'no Temporal CLI could be provisioned; using the Temporal SDK download of the dev server');
  // Imported lazily: @temporalio/testing loads the native core bridge, which the CLI path never needs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { defineSearchAttributeKey } = await import('@temporalio/common');
  let env: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: s.ip,
        port: s.port,
        ui: s.uiPort !== undefined,
        uiPort: s.uiPort,
        dbFilename: s.dbFilename,
        namespace: s.namespace,
        searchAttributes: Object.entries(s.searchAttributes).map(([name, type]) =>
          defineSearchAttributeKey(name, SDK_SEARCH_ATTRIBUTE_TYPES[type]),
        ),
      },
    });
  } catch (err) {
    throw new NoTemporalCliError(missing, err);
  }
  let stopping: Promise<void> | undefined;
  return {
    address: env.address,
    namespace: s.namespace,
    uiUrl: s.uiPort !== undefined ? `http://${hostPort(s.ip, s.uiPort)}` : undefined,
    stop: () => (stopping ??= env.teardown()),
  };
}
