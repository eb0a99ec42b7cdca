/**
 * A command that waits on a workflow on a server of its own (`--temporal`, TEMPORAL_ADDRESS, a
 * profile) stops on Ctrl-C or SIGTERM, and the workflow goes on there. Stopping says so, with how
 * to follow the workflow again and how to cancel it. An embedded server stops with the command,
 * and its workflow with it: then nothing is said.
 */
import type { ConnectionFlags } from '../temporal/connection';
import { onShutdown } from '../util/shutdown';
import { tell } from './common';
import type { Stack } from './temporalStack';

/** A word for a POSIX shell: as it is when it needs no quoting, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `temporal` CLI's flags for the server and for the connection settings given as flags here.
 * What came from the environment (TEMPORAL_API_KEY, TEMPORAL_TLS_*) or a profile's file the
 * `temporal` CLI reads itself; TLS paths are repeated whatever their source, as they are no
 * secret. An API key typed as --api-key is not printed: `--api-key …` stands for it.
 */
export function temporalCliFlags(server: { address: string; namespace: string }, connect: ConnectionFlags = {}): string[] {
  const flag = (name: string, value: string | undefined) => (value ? [name, shellWord(value)] : []);
  return [
    ...flag('--address', server.address),
    ...(server.namespace === 'default' ? [] : flag('--namespace', server.namespace)),
    ...flag('--profile', connect.profile),
    ...(connect.tls ? ['--tls'] : []),
    ...flag('--tls-ca-path', connect.tlsCa),
    ...flag('--tls-cert-path', connect.tlsCert),
    ...flag('--tls-key-path', connect.tlsKey),
    ...flag('--tls-server-name', connect.tlsServerName),
    ...(connect.apiKey ? ['--api-key', '…'] : []),
  ];
}

/** What stopping the command leaves running, and the ways to it. */
export function keepsRunningMessage(workflowId: string, server: { address: string; namespace: string }, connect: ConnectionFlags = {}): string {
  return (
    `${workflowId} keeps running on ${server.address}: only this command stopped. ` +
    `Follow it again with the same command (it attaches), or cancel it: ` +
    `temporal workflow cancel --workflow-id ${workflowId} ${temporalCliFlags(server, connect).join(' ')}` +
    (connect.apiKey ? ' (in place of …, your API key: it is not printed)' : '')
  );
}

/**
 * Waits on `wait`, the command's following of `workflowId`; if the command is stopped meanwhile,
 * says what keeps running. `connect`: the connection flags the command was given, for the cancel
 * command it suggests.
 */
export async function following<T>(
  stack: Pick<Stack, 'address' | 'namespace' | 'server'>,
  workflowId: string,
  wait: () => Promise<T>,
  connect: ConnectionFlags = {},
): Promise<T> {
  if (stack.server) return wait();
  const stopTelling = onShutdown(() => tell(keepsRunningMessage(workflowId, stack, connect)));
  try {
    return await wait();
  } finally {
    stopTelling();
  }
}
