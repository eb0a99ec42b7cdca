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
    ...(settings.workflowBundle ? { workflowBundle: settings.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ resources, log }),
    interceptors: { activity: [keepaliveInterceptor()] },
    // Parallel DAG branches each hold a warehouse connection; more would only queue on 2 cores.
    maxConcurrentActivityTaskExecutions: 8,
  });
}
