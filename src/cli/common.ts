/** Helpers every CLI command module uses: output, option parsers, the server connection, run input. */
import { InvalidArgumentError, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { absoluteSourceUri, absoluteWarehouseUri, redactUri, type EnvSettings } from '../config';
import type { Logger } from '../log';
import { requireServer, type ConnectionFlags } from '../temporal/connection';
import { openStack } from './temporalStack';

export type CliContext = () => { env: EnvSettings; log: Logger };

export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

/** A line for the person at the terminal that is not the command's result: stderr, whatever the log level, so stdout stays for results (`--json`). */
export function tell(line: string): void {
  process.stderr.write(line + '\n');
}

/** Schedules and backfills outlive the command: they need a real server, never an embedded one. */
export function temporalAddressOption(): Option {
  return new Option('--temporal <host:port>', 'Temporal server (required here: flag, TEMPORAL_ADDRESS or a Temporal CLI profile)').env('TEMPORAL_ADDRESS');
}

/** A whole-number flag's parser; with `max`, the range a workflow accepts, so a bad value fails here and not in the workflow. */
export function integerOption(name: string, min = 0, max?: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(max === undefined ? `${name} must be a whole number ≥ ${min}` : `${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Connects to the server for the length of `work`. */
export async function withClient<T>(
  ctx: CliContext,
  server: string | ConnectionFlags,
  work: (client: Client, env: EnvSettings, log: Logger) => Promise<T>,
): Promise<T> {
  const { env, log } = ctx();
  const connect = typeof server === 'string' ? { temporal: server } : server;
  requireServer(connect);
  const stack = await openStack({ address: connect.temporal, connect, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.SPARKIFY_TASK_QUEUE, log, sdkLogLevel: 'ERROR' });
  try {
    return await work(stack.client, env, log);
  } finally {
    await stack.close();
  }
}

const FLAG_NAMES = (key: 'source' | 'warehouse') => `--${key}`;

/**
 * The run input a schedule or backfill hands each date: URIs checked (a bad one reported under
 * `settingName`'s name for it: the flag, or the environment variable it came from), local paths
 * absolute, the password hidden.
 */
export function dateRunInput(flags: { source?: string; warehouse?: string; failOnEmpty?: boolean }, settingName: (key: 'source' | 'warehouse') => string = FLAG_NAMES) {
  const source = flags.source && absoluteSourceUri(flags.source, settingName('source'));
  const warehouse = flags.warehouse && absoluteWarehouseUri(flags.warehouse, settingName('warehouse'));
  return {
    ...(source ? { source } : {}),
    // The worker knows the full URI; the schedule (visible in the Web UI) never holds a password.
    ...(warehouse ? { warehouse: redactUri(warehouse) } : {}),
    ...(flags.failOnEmpty ? { failOnEmpty: true } : {}),
  };
}
