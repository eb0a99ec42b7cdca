/**
 * A command that waits on a workflow on a server of its own (`--temporal`, TEMPORAL_ADDRESS, a
 * profile) stops on Ctrl-C or SIGTERM, and the workflow goes on there. Stopping says so, with how
 * to follow the workflow again and how to cancel it. An embedded server stops with the command,
 * and its workflow with it: then nothing is said.
 */
import { onShutdown } from '../util/shutdown';
import { tell } from './common';
import type { Stack } from './temporalStack';

/** What stopping the command leaves running, and the ways to it. */
export function keepsRunningMessage(workflowId: string, server: { address: string; namespace: string }): string {
  const namespace = server.namespace === 'default' ? '' : ` --namespace ${server.namespace}`;
  return (
    `${workflowId} keeps running on ${server.address}: only this command stopped. ` +
    `Follow it again with the same command (it attaches), or cancel it: ` +
    `temporal workflow cancel --workflow-id ${workflowId} --address ${server.address}${namespace}`
  );
}

/** Waits on `wait`, the command's following of `workflowId`; if the command is stopped meanwhile, says what keeps running. */
export async function following<T>(stack: Pick<Stack, 'address' | 'namespace' | 'server'>, workflowId: string, wait: () => Promise<T>): Promise<T> {
  if (stack.server) return wait();
  const stopTelling = onShutdown(() => tell(keepsRunningMessage(workflowId, stack)));
  try {
    return await wait();
  } finally {
    stopTelling();
  }
}
