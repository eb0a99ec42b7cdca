import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Resources } from '../activities/resources';
import { firstRetryInterceptor } from '../activities/retryNotice';
import type { Logger } from '../log';
import type { S3Settings } from '../source/s3Client';
import { startDevServer, type DevServer, type DevServerOptions } from '../temporal/devServer';
import { createEtlWorker } from '../worker';
import { prometheusTelemetry, type MetricsEndpoint } from '../metrics/exporter';
import { connectClient, connectWorker, resolveTarget, type ConnectionFlags } from '../temporal/connection';
import { onShutdown } from '../util/shutdown';

let runtimeInstalled = false;

/**
 * The SDK's runtime, once per process: its logs at WARN (ours go through pino), and no signal
 * handlers of its own, since the CLI stops the worker and the dev server together on Ctrl-C.
 */
export function installRuntime(level: 'WARN' | 'ERROR' = 'WARN', metrics?: MetricsEndpoint): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [], ...(metrics ? { telemetryOptions: prometheusTelemetry(metrics) } : {}) });
}

export interface Stack {
  address: string;
  namespace: string;
  client: Client;
  server?: DevServer;
  worker?: Worker;
  resources?: Resources;
  /** Stops what this stack started, in reverse order. */
  close(): Promise<void>;
}

export interface StackOptions {
  /** HOST:PORT of an existing server; otherwise an embedded dev server is started. */
  address?: string;
  namespace: string;
  taskQueue: string;
  log: Logger;
  /** Run a worker in this process. */
  worker?: { s3: S3Settings; defaultSource?: string; defaultWarehouse?: string; reportDir?: string };
  /** With a worker: called when a step's first attempt fails and is to be retried. */
  onStepRetry?: (step: string, error: string) => void;
  devServer?: Omit<DevServerOptions, 'log' | 'namespace'>;
  /**
   * The SDK's own log level. A run command reports failures itself, so it wants only errors; a
   * long-running worker also logs each failed activity attempt (WARN).
   */
  sdkLogLevel?: 'WARN' | 'ERROR';
  /** TLS, mTLS, API key, namespace and profile (src/temporal/connection.ts); `address` wins over its `temporal`. */
  connect?: ConnectionFlags;
  /** Serve the SDK's and the pipeline's metrics for Prometheus here (GET /metrics). */
  metrics?: MetricsEndpoint;
}

/** Connects to (or starts) Temporal, and optionally runs a worker in-process. */
export async function openStack(options: StackOptions): Promise<Stack> {
  installRuntime(options.sdkLogLevel, options.metrics);
  const closers: (() => Promise<void>)[] = [];
  // One closing, however many ask: the command's own end and a Ctrl-C's cleanup can both close the
  // stack (an embedded run cancelled on Ctrl-C ends by itself: src/cli/embeddedStop.ts), and each
  // must wait until everything is closed, not only for the closers it took.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      while (closers.length > 0) await closers.pop()!().catch(() => undefined);
    })());
  const unregister = onShutdown(close);
  try {
    // The server the flags, env and Temporal CLI profile name; none: an embedded dev server.
    const target = resolveTarget({ ...options.connect, temporal: options.address ?? options.connect?.temporal });
    let address = target?.address;
    const namespace = target?.namespace ?? options.namespace;
    let server: DevServer | undefined;
    if (!address) {
      server = await startDevServer({ ...options.devServer, namespace: options.namespace, log: options.log });
      closers.push(() => server!.stop());
      address = server.address;
    }
    const connection = target ? await connectClient(target) : await Connection.connect({ address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace });

    let worker: Worker | undefined;
    let resources: Resources | undefined;
    if (options.worker) {
      resources = new Resources({ log: options.log, ...options.worker });
      closers.push(() => resources!.close());
      const nativeConnection = target ? await connectWorker(target) : await NativeConnection.connect({ address });
      closers.push(() => nativeConnection.close());
      worker = await createEtlWorker({
        connection: nativeConnection,
        namespace,
        taskQueue: options.taskQueue,
        resources,
        log: options.log,
        activityInterceptors: options.onStepRetry ? [firstRetryInterceptor(options.onStepRetry)] : [],
      });
    }
    return {
      address,
      namespace,
      client,
      server,
      worker,
      resources,
      close: async () => {
        unregister();
        await close();
      },
    };
  } catch (err) {
    unregister();
    await close();
    throw err;
  }
}
