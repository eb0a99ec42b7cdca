import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Node cannot ask Linux to kill a child when the parent dies (no PR_SET_PDEATHSIG), and a parent
 * that is SIGKILLed or crashes natively runs no 'exit' handler. So a long-lived child (the Temporal
 * dev server) runs under this sh watchdog: its stdin is a pipe whose other end only this process
 * holds, and the kernel closes that end however we die. EOF on it means we are gone; the watchdog
 * then stops the server (TERM, KILL after LIFELINE_GRACE_SECONDS) and exits with it.
 *
 * While we live, the watchdog passes TERM/INT on to the server as TERM (a background job of a
 * non-interactive sh starts with INT ignored), and exits as the server did: the same code, or
 * killed by the same signal. The server's pid is written once to fd 3. Before it exits it reaps
 * the lifeline reader, so a caller that waits for the watchdog finds nothing of it left.
 *
 * The lifeline is forked before the watchdog traps TERM: sh (dash) drops a trapped signal that
 * reaches a forked subshell before it has reset the traps it inherited, so a server that exited at
 * once could leave the lifeline waiting for our exit and the watchdog waiting for the lifeline.
 * Forked with TERM at its default, the lifeline is ended by the kernel however early TERM comes.
 */
const LIFELINE_GRACE_SECONDS = 10;

const WATCHDOG_SCRIPT = `
exec 4<&0
"$@" </dev/null 3>&- 4<&- &
server=$!
echo "$server" >&3
exec 3>&-
{
  while read -r _; do :; done
  kill -TERM "$server" 2>/dev/null
  sleeper=
  trap 'kill "$sleeper" 2>/dev/null; wait; exit 0' TERM
  sleep ${LIFELINE_GRACE_SECONDS} &
  sleeper=$!
  wait "$sleeper"
  kill -KILL "$server" 2>/dev/null
} <&4 &
lifeline=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
exec 4<&- 0</dev/null
while :; do
  wait "$server"
  code=$?
  kill -0 "$server" 2>/dev/null || break
done
trap '' TERM INT
kill -TERM "$lifeline" 2>/dev/null
wait "$lifeline"
trap - TERM INT
if [ "$code" -gt 128 ]; then kill -s "$(kill -l "$code")" "$$"; fi
exit "$code"
`;

export interface Watched {
  /** The watchdog (or, where there is no sh, the program itself): its exit is the program's. */
  child: ChildProcess;
  /** The program's own pid, once known; undefined if it never started. */
  pid: Promise<number | undefined>;
}

/** Spawns file with args under the watchdog; stdout and stderr are the program's, piped. */
export function spawnWatched(file: string, args: string[]): Watched {
  if (process.platform === 'win32') {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return { child, pid: Promise.resolve(child.pid) };
  }
  // The lifeline pipe (stdin) stays open in this process until it exits: nothing writes to it.
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'sparkify-watchdog', file, ...args], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  // The watchdog, not we, decides when the lifeline closes: an error writing to it (EPIPE once
  // the watchdog is gone) is of no interest.
  child.stdin?.on('error', () => undefined);
  const report = child.stdio[3];
  const pid = new Promise<number | undefined>((resolve) => {
    if (report === null || report === undefined || !('on' in report)) return resolve(undefined);
    let text = '';
    report.on('data', (c: Buffer) => (text += c.toString()));
    report.on('error', () => resolve(undefined));
    report.on('close', () => {
      const n = Number(text.trim());
      resolve(Number.isInteger(n) && n > 0 ? n : undefined);
    });
  });
  return { child, pid };
}
