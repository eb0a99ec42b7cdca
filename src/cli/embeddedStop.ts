/**
 * An embedded `sparkify run` (no --temporal) stops with its in-memory server, and the run with it:
 * stopped mid-run by Ctrl-C or SIGTERM, it recorded nothing (a terminated run, which no later
 * server knows: src/ledger/abandonedRuns.ts), so its publishing mark and staging rows stayed. On
 * stopping, the run is cancelled first, while the worker still runs: its workflow's failure path
 * records it failed (recordFailedRun) before the stack closes.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { onShutdown } from '../util/shutdown';
import { tell } from './common';

/** How long stopping waits for the cancelled run to record itself: its failure record's attempts, with room. */
export const EMBEDDED_CANCEL_WAIT_MS = 60_000;

/** Until the returned function is called, stopping the command cancels `handle`'s run and waits for it to close. */
export function cancelOnStop(handle: Pick<WorkflowHandle, 'cancel' | 'result' | 'workflowId'>): () => void {
  return onShutdown(async () => {
    tell(`sparkify: cancelling ${handle.workflowId} so that it records its failure before the embedded server stops…`);
    const waited = new AbortController();
    try {
      await handle.cancel();
      await Promise.race([handle.result().catch(() => undefined), sleep(EMBEDDED_CANCEL_WAIT_MS, undefined, { signal: waited.signal }).catch(() => undefined)]);
    } catch (err) {
      tell(`sparkify: could not cancel ${handle.workflowId} (${(err as Error).message}): it may stay unrecorded (docs/operations.md, "Runs closed without a record")`);
    } finally {
      waited.abort();
    }
  });
}
