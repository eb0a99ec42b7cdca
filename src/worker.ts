import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { keepaliveInterceptor } from './activities/heartbeat';
import { memoryTraceInterceptor } from './activities/memoryTrace';
import type { Resources } from './activities/resources';
import type { Logger } from './log';
import { nativeRowsState } from './staging/nativeRows';
import { prebuiltWorkflowBundle, readUsedBundle } from './temporal/workflowBundle';

export interface EtlWorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  resources: Resources;
  log: Logger;
  /** A prebuilt workflow bundle (production images); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** More activity interceptors (the embedded run's retry notice). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/** The worker: the ETL workflows plus every activity, over the given connections. */
export async function createEtlWorker(settings: EtlWorkerSettings): Promise<Worker> {
  const { connection, namespace, taskQueue, resources, log } = settings;
  const rows = nativeRowsState();
  if (!rows.loaded && rows.failed) log.warn({ why: rows.why }, 'the native row encoder did not load: staging writes its rows in JavaScript (the same rows, slower)');
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(await workflowCode(settings.workflowBundle, log)),
    activities: createActivities({ resources, log }),
    interceptors: {
      activity: [
        keepaliveInterceptor(),
        resources.idleFiles.interceptor(),
        ...optional(memoryTraceInterceptor()),
        ...(settings.activityInterceptors ?? []),
      ],
    },
    // Parallel DAG branches each hold a warehouse connection; more would only queue on 2 cores.
    maxConcurrentActivityTaskExecutions: 8,
  });
}

const optional = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);

/**
 * The given bundle; else one prebuilt from these workflows named by SPARKIFY_WORKFLOW_BUNDLE (the
 * test suite builds it once for all its worker processes); else the compiled workflows bundled by a
 * child process into a cache (src/temporal/workflowBundle.ts), which keeps webpack's memory out of
 * the worker; else (TypeScript sources, or the child failed) the workflows, bundled in-process.
 */
async function workflowCode(bundle: WorkerOptions['workflowBundle'], log: Logger): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>> {
  if (bundle) return { workflowBundle: bundle };
  const given = process.env.SPARKIFY_WORKFLOW_BUNDLE;
  if (given) {
    // Marked used, so the bundle cache keeps it while a test run's workers read it.
    const code = readUsedBundle(given);
    if (code !== undefined) return { workflowBundle: { code } };
    log.warn({ bundle: given }, 'SPARKIFY_WORKFLOW_BUNDLE names no file; bundling the workflows');
  }
  const workflowsPath = require.resolve('./workflows');
  try {
    const bundle = await prebuiltWorkflowBundle(workflowsPath);
    if (bundle) return { workflowBundle: { code: bundle.code } };
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'bundling the workflows in a child process failed; bundling them in the worker');
  }
  return { workflowsPath };
}
