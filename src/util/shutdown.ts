/**
 * Ctrl-C and SIGTERM run every registered cleanup (worker, dev server, connections) before the
 * process exits, so nothing is left behind. A second Ctrl-C exits at once.
 */
type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];
let installed = false;
let stoppedBy: NodeJS.Signals | undefined;

export function onShutdown(cleanup: Cleanup): () => void {
  install();
  cleanups.push(cleanup);
  return () => {
    const i = cleanups.indexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs the cleanups in reverse order of registration (last started, first stopped). */
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch {
      // Keep stopping the rest.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    if (stoppedBy) process.exit(130);
    stoppedBy = signal;
    process.stderr.write(`\n${signal}: stopping…\n`);
    // Calls still pending on the connections the cleanups close fail, some of them in a timer of
    // the Temporal client's retries where no await can catch them ("Channel has been shut down":
    // seen in CI as exit code 1 after Ctrl-C). Once stopping, such an error no longer decides how
    // the process ends: the cleanups finish, and the signal's code is the exit code.
    process.on('uncaughtException', (err) => {
      process.stderr.write(`while stopping: ${err instanceof Error ? err.message : String(err)}\n`);
    });
    void runCleanups().finally(() => process.exit(signalExitCode(signal)));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * The code the process exits with once a command has returned `code`. After Ctrl-C or SIGTERM the
 * command often fails only because its connections were closed under it ("Channel has been shut
 * down"); the signal, not that failure, is why the process ends.
 */
export function exitCodeAfter(code: number): number {
  return stoppedBy ? signalExitCode(stoppedBy) : code;
}

/** True once Ctrl-C or SIGTERM has started the cleanups. */
export function isStopping(): boolean {
  return stoppedBy !== undefined;
}
