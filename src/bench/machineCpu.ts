/**
 * The machine's CPU use over a stretch of the benchmark, from the first line of /proc/stat: every
 * process counts (the worker, PostgreSQL's backends, the Temporal server), as they all do the run's
 * work. A workflow slower than its floor is either doing more work (more CPU-seconds) or leaving
 * cores idle (fewer cores busy while steps wait on one another); these figures tell which.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Cumulative ticks from /proc/stat, and when they were read (performance.now(), ms). */
export interface CpuSnapshot {
  busy: number;
  total: number;
  atMs: number;
}

export interface CpuUse {
  /** CPU time spent on the machine during the stretch, by every process. */
  cpuSeconds: number;
  /** Cores busy on average: cpuSeconds over the stretch's wall time. */
  busyCores: number;
}

/**
 * Busy and total ticks of the aggregate `cpu` line: user nice system idle iowait irq softirq steal
 * (guest time is already inside user). Idle and iowait are idle. Steal, time the hypervisor gave to
 * another machine, is not busy but counts in the total, so busy cores are cores this machine got.
 */
export function parseProcStat(text: string): { busy: number; total: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  if ([user, nice, system, idle, iowait, irq, softirq, steal].some((n) => !Number.isFinite(n))) return undefined;
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

/** The machine's counters now; undefined where /proc/stat cannot be read (not Linux). */
export function readMachineCpu(): CpuSnapshot | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const ticks = parseProcStat(text);
  return ticks && { ...ticks, atMs: performance.now() };
}

/** What the machine's `cores` did between two snapshots; undefined without both or without time between. */
export function cpuUseBetween(from: CpuSnapshot | undefined, to: CpuSnapshot | undefined, cores: number = os.availableParallelism()): CpuUse | undefined {
  if (from === undefined || to === undefined) return undefined;
  const total = to.total - from.total;
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  if (total <= 0 || wallSeconds <= 0) return undefined;
  const busyCores = (cores * (to.busy - from.busy)) / total;
  return { cpuSeconds: busyCores * wallSeconds, busyCores };
}
