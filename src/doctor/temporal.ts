import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectClient, type TemporalTarget } from '../temporal/connection';
import { ok, problem, unchecked, type CheckResult } from './types';

/** Temporal answers at the address, the namespace exists, and a worker polls the task queue. */
export async function checkTemporal(target: TemporalTarget, taskQueue: string): Promise<CheckResult[]> {
  const { address, namespace } = target;
  let connection: Connection;
  try {
    // The same connection (TLS, API key, profile) and error explanations as every client command.
    connection = await connectClient(target);
  } catch (err) {
    return [
      problem('temporal.reachable', 'Temporal reachable', `nothing answers at ${address} (${(err as Error).message.split('\n')[0]})`, 'start the server (sparkify dev, or your Temporal cluster), or fix --temporal / TEMPORAL_ADDRESS and the TLS / API key settings'),
      unchecked('temporal.namespace', 'Temporal namespace exists', 'Temporal is not reachable'),
      unchecked('temporal.worker', 'a worker polls the task queue', 'Temporal is not reachable'),
    ];
  }
  try {
    const results: CheckResult[] = [ok('temporal.reachable', 'Temporal reachable', `${address} answers`)];
    try {
      await connection.workflowService.describeNamespace({ namespace });
      results.push(ok('temporal.namespace', 'Temporal namespace exists', namespace));
    } catch (err) {
      const notFound = (err as { code?: number }).code === 5;
      results.push(
        notFound
          ? problem('temporal.namespace', 'Temporal namespace exists', `namespace ${namespace} does not exist at ${address}`, `create it (temporal operator namespace create --namespace ${namespace}) or fix TEMPORAL_NAMESPACE`)
          : unchecked('temporal.namespace', 'Temporal namespace exists', `could not describe namespace ${namespace}: ${(err as Error).message}`),
      );
      results.push(unchecked('temporal.worker', 'a worker polls the task queue', `namespace ${namespace} is not usable`));
      return results;
    }
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    results.push(
      pollers && pollers.length > 0
        ? ok('temporal.worker', 'a worker polls the task queue', `${pollers.length} poller(s) on ${taskQueue}`)
        : problem('temporal.worker', 'a worker polls the task queue', `no worker polls task queue ${taskQueue}: runs would wait`, `start one: sparkify worker --temporal ${address} (with SPARKIFY_TASK_QUEUE=${taskQueue})`),
    );
    return results;
  } finally {
    await connection.close();
  }
}
