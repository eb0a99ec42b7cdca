/**
 * Where the worker's memory goes, per activity: with SPARKIFY_MEMORY_TRACE=<file>, every activity
 * appends one JSON line to the file when it ends, with the process's resident memory at its start,
 * its end and the highest seen while it ran (sampled every 100 ms), and V8's heap and off-heap
 * figures at that highest sample. A diagnostic for `npm run bench` (docs/performance-log.md, "The
 * worker's memory"); unset, the interceptor does nothing. Parallel activities overlap: each one's
 * peak is the process's, not its own share. A 100 ms sample can miss a short spike: the process's
 * own high-water mark (VmHWM, what the benchmark reports) at the activity's start and end says
 * exactly whether the process's peak was set while the activity ran.
 */
import fs from 'node:fs';
import { ownStatusMiB } from '../util/procStatus';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export const MEMORY_TRACE_ENV = 'SPARKIFY_MEMORY_TRACE';
const SAMPLE_MS = 100;
const MIB = 1024 * 1024;

export interface MemorySample {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

export interface ActivityMemoryTrace {
  workflowId: string;
  activity: string;
  attempt: number;
  startedAt: string;
  seconds: number;
  start: MemorySample;
  peak: MemorySample;
  end: MemorySample;
  /** The process's peak resident memory (VmHWM) when the activity started and ended; absent off Linux. */
  hwmStartMiB?: number;
  hwmEndMiB?: number;
}

/** VmHWM from /proc/self/status in MiB, or undefined where there is none. */
export function highWaterMiB(): number | undefined {
  return ownStatusMiB('VmHWM');
}

function sample(): MemorySample {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / MIB);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external), arrayBuffersMiB: mib(m.arrayBuffers) };
}

/** The interceptor, or undefined when no trace file is asked for. */
export function memoryTraceInterceptor(env: NodeJS.ProcessEnv = process.env): ActivityInterceptorsFactory | undefined {
  const file = (env[MEMORY_TRACE_ENV] ?? '').trim();
  if (file === '') return undefined;
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const began = Date.now();
        const hwmStartMiB = highWaterMiB();
        const start = sample();
        let peak = start;
        const timer = setInterval(() => {
          const now = sample();
          if (now.rssMiB > peak.rssMiB) peak = now;
        }, SAMPLE_MS);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
          const end = sample();
          if (end.rssMiB > peak.rssMiB) peak = end;
          const trace: ActivityMemoryTrace = {
            workflowId: ctx.info.workflowExecution?.workflowId ?? '',
            activity: ctx.info.activityType,
            attempt: ctx.info.attempt,
            startedAt: new Date(began).toISOString(),
            seconds: (Date.now() - began) / 1000,
            start,
            peak,
            end,
            hwmStartMiB,
            hwmEndMiB: highWaterMiB(),
          };
          fs.appendFileSync(file, `${JSON.stringify(trace)}\n`);
        }
      },
    },
  });
}
