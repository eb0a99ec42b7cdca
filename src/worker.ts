import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { keepaliveInterceptor } from './activities/heartbeat';
import type { Resources } from './activities/resources';
import type { Logger } from './log';

export interface EtlWorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  resources: Resources;
  log: Logger;
  /** A prebuilt workflow bundle (production images); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The worker: the ETL workflows plus every activity, over the given connections. */
export function createEtlWorker(settings: EtlWorkerSettings): Promise<Worker> {
  const { connection, namespace, taskQueue, resources, log } = settings;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...workflowCode(settings.workflowBundle),
    activities: createActivities({ resources, log }),
    interceptors: { activity: [keepaliveInterceptor()] },
    // Parallel DAG branches each hold a warehouse connection; more would only queue on 2 cores.
    maxConcurrentActivityTaskExecutions: 8,
  });
}

/**
 * The given bundle; else one prebuilt from these workflows named by SPARKIFY_WORKFLOW_BUNDLE (the
 * test suite builds it once for all its worker processes); else the workflows, bundled at start.
 */
function workflowCode(bundle: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundle) return { workflowBundle: bundle };
  const codePath = process.env.SPARKIFY_WORKFLOW_BUNDLE;
  return codePath ? { workflowBundle: { codePath } } : { workflowsPath: require.resolve('./workflows') };
}
