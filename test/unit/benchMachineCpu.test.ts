/**
 * The benchmark's machine CPU figures: CPU-seconds of every process and the cores busy on average,
 * from /proc/stat, for the workflow and for its floor, so a gap to the floor reads as more work or
 * as idle cores.
 */
import { cpuUseBetween, parseProcStat, readMachineCpu, type CpuSnapshot } from '../../src/bench/machineCpu';
import { fastestFloor, type FloorResult } from '../../src/bench/floor';
import { formatSizeTable, type SizeResult } from '../../src/bench/report';
import type { WorkflowResult } from '../../src/bench/workflow';

describe('/proc/stat', () => {
  it('counts user, nice, system, irq and softirq as busy, and idle, iowait and steal besides them in the total', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const text = 'cpu  1000 20 300 5000 40 6 7 80 900 0\ncpu0 500 10 150 2500 20 3 3 40 450 0\nintr 123\n';
    expect(parseProcStat(text)).toEqual({ busy: 1000 + 20 + 300 + 6 + 7, total: 1000 + 20 + 300 + 6 + 7 + 5000 + 40 + 80 });
  });

  it('reads the aggregate line, not a per-core one, and refuses text without it', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 x 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3 4\n')).toEqual({ busy: 6, total: 10 });
  });

  it('is read on this machine, and its counters only grow', () => {
    const first = readMachineCpu();
    expect(first).toBeDefined();
    let spin = 0;
    for (let i = 0; i < 5_000_000; i++) spin += i % 7;
    expect(spin).toBeGreaterThan(0);
    const second = readMachineCpu()!;
    expect(second.total).toBeGreaterThanOrEqual(first!.total);
    expect(second.busy).toBeGreaterThanOrEqual(first!.busy);
    expect(second.atMs).toBeGreaterThan(first!.atMs);
  });
});

describe('CPU use between two readings', () => {
  const at = (busy: number, total: number, atMs: number): CpuSnapshot => ({ busy, total, atMs });

  it('is the busy share of the ticks times the cores, over the wall time between', () => {
    // 2 cores for 10 s: 2,000 ticks, of which 1,500 busy → 1.5 cores, 15 CPU-seconds.
    const use = cpuUseBetween(at(100, 1_000, 5_000), at(1_600, 3_000, 15_000), 2);
    expect(use?.busyCores).toBeCloseTo(1.5);
    expect(use?.cpuSeconds).toBeCloseTo(15);
  });

  it('is missing without both readings or without time between them', () => {
    expect(cpuUseBetween(undefined, at(1, 2, 3), 2)).toBeUndefined();
    expect(cpuUseBetween(at(1, 2, 3), undefined, 2)).toBeUndefined();
    expect(cpuUseBetween(at(1, 2, 3), at(1, 2, 3), 2)).toBeUndefined();
  });
});

describe('the table', () => {
  const floor = (totalSeconds: number, cpuSeconds?: number): FloorResult => ({
    stageSeconds: totalSeconds / 2,
    starSeconds: totalSeconds / 2,
    totalSeconds,
    songplays: 1000,
    ...(cpuSeconds === undefined ? {} : { cpu: { cpuSeconds, busyCores: cpuSeconds / totalSeconds } }),
  });
  const workflow = (wallSeconds: number, cpuSeconds: number): WorkflowResult => ({
    wallSeconds,
    activities: {},
    activeSeconds: wallSeconds,
    overheadSeconds: 0,
    peakRssBytes: 0,
    readyRssBytes: 0,
    cpu: { cpuSeconds, busyCores: cpuSeconds / wallSeconds },
    summary: {} as WorkflowResult['summary'],
  });
  const table = (engines: SizeResult['engines']) =>
    formatSizeTable(
      {
        size: { name: '1.6M', days: 30, users: 18_700, songs: 14_200, seed: 7 },
        dataset: { logFiles: 30, songFiles: 14_200, events: 1_627_201, nextSongEvents: 1_258_765, users: 18_700, songs: 14_200, bytes: 761e6 },
        generateSeconds: null,
        engines,
      },
      ['duckdb'],
    );
  const line = (text: string, label: string) => text.split('\n').find((l) => l.startsWith(`${label} `))?.slice(label.length).trim();

  it("shows the workflow's and the fastest floor's CPU, and their ratio", () => {
    const runs = [floor(12, 22), floor(10, 19)];
    const text = table({ duckdb: { workflow: workflow(16, 27.2), floorRuns: runs, floor: fastestFloor(runs) } });
    expect(line(text, 'machine CPU: workflow')).toBe('27.2 s (1.70 cores)');
    expect(line(text, 'machine CPU: floor')).toBe('19.0 s (1.90 cores)');
    expect(line(text, 'machine CPU ratio to floor')).toBe('1.43×');
  });

  it('shows a dash where a figure could not be read', () => {
    const runs = [floor(10)];
    const text = table({ duckdb: { workflow: workflow(16, 27.2), floorRuns: runs, floor: fastestFloor(runs) } });
    expect(line(text, 'machine CPU: floor')).toBe('–');
    expect(line(text, 'machine CPU ratio to floor')).toBe('–');
  });
});
