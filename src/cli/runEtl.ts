import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fs from 'node:fs';
import { absoluteSourceUri, absoluteWarehouseUri, ConfigError, parseSourceUri, redactUri } from '../config';
import { failedStep, rootMessage } from '../etl/failures';
import type { EtlInput, RunSummary, RunWindow } from '../etl/types';
import type { Logger } from '../log';
import { runSearchAttributes, SPARKIFY_SEARCH_ATTRIBUTES } from '../etl/searchAttributes';
import { workflowIdFor } from '../etl/workflowIds';
import type { S3Settings } from '../source/s3Client';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { resolveTarget, type ConnectionFlags } from '../temporal/connection';
import { etlRun } from '../workflows/etl';
import { tell } from './common';
import { cancelOnStop } from './embeddedStop';
import { following } from './followWorkflow';
import { runSettingDifferences, startOrAttach } from './startOrAttach';
import { openStack, type Stack } from './temporalStack';

export interface RunEtlOptions {
  source: string;
  warehouse: string;
  /** What the user set the source by, for messages: --source (the default) or SPARKIFY_SOURCE. */
  sourceSetting?: string;
  window: RunWindow | null;
  temporalAddress?: string;
  /** TLS, API key, namespace, profile: see src/temporal/connection.ts. */
  connect?: ConnectionFlags;
  namespace: string;
  taskQueue: string;
  s3: S3Settings;
  /** The embedded worker's report directory (--report-dir, SPARKIFY_REPORT_DIR), as `sparkify worker` takes it. */
  reportDir?: string;
  log: Logger;
  input?: Omit<EtlInput, 'source' | 'warehouse' | 'window'>;
  /** Called once the workflow has started. */
  onStarted?: (workflowId: string) => void;
}

/** A failed run, said in one sentence: which step, and why. */
export class RunFailedError extends Error {
  constructor(
    message: string,
    readonly workflowId: string,
  ) {
    super(message);
    this.name = 'RunFailedError';
  }
}

export { workflowIdFor };

/** A run against a server with no worker on its task queue waits forever: say so. */
async function warnIfNoWorker(stack: Stack, options: RunEtlOptions): Promise<void> {
  try {
    const { pollers } = await stack.client.workflowService.describeTaskQueue({
      namespace: stack.namespace,
      taskQueue: { name: options.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if (!pollers || pollers.length === 0) {
      options.log.warn(
        { taskQueue: options.taskQueue, address: stack.address },
        `no worker polls task queue ${options.taskQueue} at ${stack.address}: the run waits until one does (start one with \`sparkify worker\` or \`sparkify dev\`)`,
      );
    }
  } catch {
    // Only advice: never fail a run over it.
  }
}

/** The workflow input of a run: URIs checked, local paths absolute, the password hidden. */
export function etlRunInput(options: Pick<RunEtlOptions, 'source' | 'warehouse' | 'window' | 'input'>): EtlInput {
  return {
    ...options.input,
    source: absoluteSourceUri(options.source),
    // The history (and so the Web UI) never holds a password; the worker has the full URI.
    warehouse: redactUri(absoluteWarehouseUri(options.warehouse)),
    window: options.window,
  };
}

/**
 * Runs the ETL workflow and waits for it. Without a Temporal address it starts an embedded dev
 * server and an in-process worker for the length of the call; with one, it starts the run there
 * and waits for whatever worker serves the task queue.
 */
export async function runEtl(options: RunEtlOptions): Promise<RunSummary> {
  // Validate before anything starts, so a typo costs nothing.
  const input = etlRunInput(options);
  const embedded = !resolveTarget({ ...options.connect, temporal: options.temporalAddress });
  // Only this process's worker reads the source here; a remote worker's disk is not this one.
  const source = parseSourceUri(options.source);
  if (embedded && source.kind === 'local' && !fs.existsSync(source.dir)) {
    throw new ConfigError(`${options.sourceSetting ?? '--source'}: directory ${source.dir} does not exist`);
  }
  const stack = await openStack({
    address: options.temporalAddress,
    connect: options.connect,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    log: options.log,
    sdkLogLevel: 'ERROR',
    worker: embedded ? { s3: options.s3, defaultSource: options.source, defaultWarehouse: options.warehouse, reportDir: options.reportDir } : undefined,
    // The SDK's warnings are off here (sdkLogLevel), so a step retried for minutes would be silent.
    onStepRetry: (step, error) => tell(`sparkify: step ${step} failed and is being retried (the run goes on; Ctrl-C stops it): ${error}`),
    devServer: { searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } },
  });
  try {
    const workflowId = workflowIdFor(options.window);
    const { handle, attached } = await startOrAttach(
      stack.client,
      etlRun,
      {
        taskQueue: options.taskQueue,
        workflowId,
        args: [input],
        // So the Web UI can filter runs by date, source and warehouse.
        typedSearchAttributes: (await ensureSearchAttributes(stack.client, options.log))
          ? runSearchAttributes({ date: options.window?.from, source: input.source, warehouse: input.warehouse })
          : undefined,
      },
      { differences: (running, asked) => runSettingDifferences(running, asked), target: (running) => running },
    );
    options.onStarted?.(workflowId);
    if (!attached) options.log.info({ workflowId, address: stack.address, taskQueue: options.taskQueue }, 'run started');
    const keepCancelOnStop = stack.server && stack.worker ? cancelOnStop(handle) : () => undefined;
    try {
      return await following(stack, workflowId, async () => {
        if (!stack.worker) await warnIfNoWorker(stack, options);
        const result = handle.result();
        return stack.worker ? await stack.worker.runUntil(result) : await result;
      }, options.connect);
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const step = failedStep(err);
        throw new RunFailedError(`run ${workflowId} failed${step ? ` at step ${step}` : ''}: ${rootMessage(err)}`, workflowId);
      }
      throw err;
    } finally {
      keepCancelOnStop();
    }
  } finally {
    await stack.close();
  }
}
