import fs from 'node:fs';

/**
 * A process's memory figures from Linux's /proc/<pid>/status: its resident memory now (VmRSS) or
 * its peak so far (VmHWM, the high-water mark the benchmark reports). Throws where there is none
 * (not Linux, or the process is gone).
 */
export function procStatusBytes(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/** This process's figure in MiB, rounded; undefined where /proc has none. */
export function ownStatusMiB(field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    return Math.round(procStatusBytes('self', field) / 1024 / 1024);
  } catch {
    return undefined;
  }
}
