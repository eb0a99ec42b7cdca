/** A test workflow: `count` activities in a row, returning who ran each (test/eagerActivities.test.ts). */
import { proxyActivities } from '@temporalio/workflow';

const { whoRuns } = proxyActivities<{ whoRuns(): Promise<string> }>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });

export async function sequentialSteps(count: number): Promise<string[]> {
  const ranBy: string[] = [];
  for (let i = 0; i < count; i++) ranBy.push(await whoRuns());
  return ranBy;
}
