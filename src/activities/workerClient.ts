import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

/**
 * The Temporal client of the worker running the current activity (its connection and namespace),
 * or none outside a worker: an activity called as a plain function, or in a test environment
 * built without a client.
 */
export function workerClient(): Client | undefined {
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}
