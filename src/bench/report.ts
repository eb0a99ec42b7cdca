/**
 * The benchmark's output: one table per data set size (a column per engine), then each target of
 * issue 9 with whether these figures meet it. Figures only: nothing here fails a build.
 */
import { STAR_TABLES } from '../etl/dag';
import type { GenerateResult } from '../generate';
import type { DatasetSize } from './datasets';
import type { FloorResult } from './floor';
import type { CpuUse } from './machineCpu';
import type { IdleGap, WorkflowResult } from './workflow';

export type Engine = 'duckdb' | 'postgres';

export interface EngineResult {
  /** The fastest of workflowRuns: the one the ratio and the step times are taken from. */
  workflow?: WorkflowResult;
  /** Every workflow run that finished, in order, each into a fresh warehouse. */
  workflowRuns?: WorkflowResult[];
  workflowError?: string;
  /** The fastest of floorRuns: the one the ratio is taken against. */
  floor?: FloorResult;
  /** Every floor run that finished, in order: before the workflow, then after it. */
  floorRuns?: FloorResult[];
  floorError?: string;
  /** The fastest workflow run's wall time over the fastest floor's total. */
  ratio?: number;
  nightly?: NightlyResult;
}

/**
 * The everyday shape, which a first load does not show: the data set's last day run again into the
 * warehouse the last workflow run loaded (one more night into a warehouse that holds its history),
 * the same day as a new night after the days before it (loaded apart, not measured), and the same
 * day run again into a warehouse that holds only that day (the same work on one day of history: no
 * song file changed for any of them but the new night's). A step much slower after the load than
 * alone reads the history, not the night's input. Figures only: the issue sets no target for it.
 */
export interface NightlyResult {
  date: string;
  /** The day again after the full load. */
  rerun?: WorkflowResult;
  /** The day for the first time, after the days before it: what a night is every day. */
  newNight?: WorkflowResult;
  /** The day again after itself alone. */
  alone?: WorkflowResult;
  /** The star tables' rows after the full load, which the rerun of a day it holds must leave as they were. */
  loadedTables?: Record<string, number>;
  error?: string;
}

/** The star tables whose rows the rerun changed ("table before → after"); empty when none did. */
export function starTablesChanged(loaded: Record<string, number>, rerun: Record<string, number>): string[] {
  return STAR_TABLES.filter((t) => loaded[t] !== rerun[t]).map((t) => `${t} ${num(loaded[t] ?? 0)} → ${num(rerun[t] ?? 0)}`);
}

/**
 * The workflow run the ratio is taken from: the fastest, as for the floor, so a run slowed by a
 * passing load elsewhere on the machine weighs on neither side. Undefined when none finished.
 */
export function fastestWorkflow(runs: readonly WorkflowResult[]): WorkflowResult | undefined {
  return runs.reduce<WorkflowResult | undefined>((best, run) => (best === undefined || run.wallSeconds < best.wallSeconds ? run : best), undefined);
}

/** The runs an engine's memory and overhead are judged on: every one that finished. */
function allRuns(r: EngineResult | undefined): WorkflowResult[] {
  return r?.workflowRuns ?? (r?.workflow ? [r.workflow] : []);
}

/** The highest worker peak RSS of any run: memory is judged on the worst run, not the fastest. */
export function highestPeakRss(r: EngineResult | undefined): number | undefined {
  const runs = allRuns(r);
  return runs.length === 0 ? undefined : Math.max(...runs.map((w) => w.peakRssBytes));
}

export interface SizeResult {
  size: DatasetSize;
  dataset: GenerateResult;
  generateSeconds: number | null;
  engines: Partial<Record<Engine, EngineResult>>;
}

export interface TargetVerdict {
  target: string;
  met: boolean | null;
  detail: string;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

const num = (n: number) => n.toLocaleString('en-US');
const secs = (s: number | undefined) => (s === undefined ? '–' : `${s.toFixed(s < 10 ? 2 : 1)} s`);
const mib = (b: number | undefined) => (b === undefined ? '–' : `${Math.round(b / MIB)} MiB`);
/** CPU-seconds of every process on the machine, and the cores that kept busy on average. */
const cpuCell = (cpu: CpuUse | undefined) => (cpu === undefined ? '–' : `${secs(cpu.cpuSeconds)} (${cpu.busyCores.toFixed(2)} cores)`);
/** A stretch without an activity, between the step that ended before it and the one that started after it. */
const gapCell = (gap: IdleGap | undefined) =>
  gap === undefined ? '–' : `${secs(gap.seconds)} (${gap.after ?? 'start'} → ${gap.before ?? 'end'})`;

/** Waits shorter than this are left out of a step's cell (on DuckDB every publish takes a turn, most at once). */
const TURN_SHOWN_SECONDS = 0.05;

/** A step's started → completed, and the part of it spent waiting for its turn (turnWaits.ts) where there was one. */
function stepCell(w: WorkflowResult | undefined, step: string): string {
  const seconds = w?.activities[step];
  if (seconds === undefined) return '–';
  const waited = w?.turnWaits?.[step] ?? 0;
  return waited >= TURN_SHOWN_SECONDS ? `${secs(seconds)} (${secs(waited)})` : secs(seconds);
}

/**
 * A step's own time: started → completed less its waits for its turn. A wait is the time of the
 * step it waited for, which is judged on its own; results without waits give the whole time.
 */
export function ownStepSeconds(w: WorkflowResult, step: string): number | undefined {
  const seconds = w.activities[step];
  if (seconds === undefined) return undefined;
  return Math.max(0, seconds - (w.turnWaits?.[step] ?? 0));
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
}

/** The table of one size: a row per figure, a column per engine. */
export function formatSizeTable(result: SizeResult, engines: readonly Engine[]): string {
  const d = result.dataset;
  const header =
    `== ${result.size.name}: ${num(d.events)} events (${num(d.nextSongEvents)} plays), ${num(d.songFiles)} song files, ` +
    `${(d.bytes / 1e6).toFixed(0)} MB ==`;
  const rows: string[][] = [['', ...engines]];
  const per = (f: (e: EngineResult) => string) => engines.map((e) => {
    const r = result.engines[e];
    return r ? f(r) : '–';
  });
  rows.push(['workflow wall', ...per((r) => (r.workflow ? secs(r.workflow.wallSeconds) : `failed`))]);
  rows.push(['  (fastest of: each run)', ...per((r) => (allRuns(r).length > 0 ? allRuns(r).map((w) => secs(w.wallSeconds)).join(', ') : '–'))]);
  rows.push(['events/s', ...per((r) => (r.workflow ? num(Math.round(d.events / r.workflow.wallSeconds)) : '–'))]);
  rows.push(['worker peak RSS (highest run)', ...per((r) => mib(highestPeakRss(r)))]);
  rows.push(['  (RSS when ready)', ...per((r) => mib(r.workflow?.readyRssBytes))]);
  rows.push(['time in activities', ...per((r) => secs(r.workflow?.activeSeconds))]);
  rows.push(['orchestration overhead', ...per((r) => secs(r.workflow?.overheadSeconds))]);
  // Where the overhead is: its longest stretch without an activity, and the longest start wait.
  rows.push(['  longest gap', ...per((r) => gapCell(r.workflow?.longestGap))]);
  rows.push(['  retried steps', ...per((r) => (r.workflow?.retried ? r.workflow.retried.map((x) => `${x.activity} (attempt ${x.attempt})`).join(', ') || 'none' : '–'))]);
  rows.push(['  longest start wait', ...per((r) => (r.workflow?.longestStartWait ? `${secs(r.workflow.longestStartWait.seconds)} (${r.workflow.longestStartWait.activity})` : '–'))]);
  rows.push(['floor (stage + star)', ...per((r) => (r.floor ? `${secs(r.floor.totalSeconds)} (${r.floor.stageSeconds.toFixed(1)} + ${r.floor.starSeconds.toFixed(1)})` : 'failed'))]);
  rows.push(['  (fastest of: before, after)', ...per((r) => (r.floorRuns && r.floorRuns.length > 0 ? r.floorRuns.map((f) => secs(f.totalSeconds)).join(', ') : '–'))]);
  rows.push(['ratio to floor', ...per((r) => (r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}×`))]);
  // What the ratio would be from the first workflow run alone (as before the runs were repeated).
  rows.push(['  (first run to the floor)', ...per((r) => (r.workflowRuns && r.workflowRuns.length > 1 && r.floor ? `${(r.workflowRuns[0].wallSeconds / r.floor.totalSeconds).toFixed(2)}×` : '–'))]);
  // Where the ratio comes from: more CPU-seconds is more work; fewer cores busy is steps waiting.
  rows.push(['machine CPU: workflow', ...per((r) => cpuCell(r.workflow?.cpu))]);
  rows.push(['machine CPU: floor', ...per((r) => cpuCell(r.floor?.cpu))]);
  rows.push(['machine CPU ratio to floor', ...per((r) => (r.workflow?.cpu && r.floor?.cpu ? `${(r.workflow.cpu.cpuSeconds / r.floor.cpu.cpuSeconds).toFixed(2)}×` : '–'))]);
  const steps = new Set<string>();
  for (const e of engines) for (const name of Object.keys(result.engines[e]?.workflow?.activities ?? {})) steps.add(name);
  rows.push(['time per activity (waiting its turn)', ...engines.map(() => '')]);
  for (const step of steps) rows.push([`  ${step}`, ...per((r) => stepCell(r.workflow, step))]);
  rows.push(...nightlyRows(result, engines));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = [header, ...rows.map((r) => pad(r, widths))];
  for (const e of engines) {
    const r = result.engines[e];
    if (r?.workflowError) lines.push(`${e} workflow: ${r.workflowError}`);
    if (r?.floorError) lines.push(`${e} floor: ${r.floorError}`);
    if (r?.nightly?.error) lines.push(`${e} nightly: ${r.nightly.error}`);
    for (const step of r?.workflow?.retried ?? []) {
      if (step.lastFailure) lines.push(`${e} ${step.activity}: attempt ${step.attempt - 1} failed: ${step.lastFailure}`);
    }
  }
  return lines.join('\n');
}

/** The nightly rows of a size's table: the rerun and the new night against the day alone, overall and per step. */
function nightlyRows(result: SizeResult, engines: readonly Engine[]): string[][] {
  const nights = engines.map((e) => result.engines[e]?.nightly);
  const date = nights.find((n) => n !== undefined)?.date;
  if (date === undefined) return [];
  const per = (f: (n: NightlyResult) => string) => nights.map((n) => (n ? f(n) : '–'));
  const events = (n: NightlyResult) => n.alone?.summary.staging?.events.recordsStaged;
  const rows: string[][] = [];
  const toAlone = (run: WorkflowResult | undefined, n: NightlyResult) => (run && n.alone ? `${(run.wallSeconds / n.alone.wallSeconds).toFixed(2)}×` : '–');
  rows.push([`nightly: ${date} again after the load`, ...per((n) => (n.rerun ? secs(n.rerun.wallSeconds) : 'failed'))]);
  rows.push([`  ${date} new, after the days before it`, ...per((n) => (n.newNight ? secs(n.newNight.wallSeconds) : 'failed'))]);
  rows.push(['  the same day again after itself alone', ...per((n) => (n.alone ? `${secs(n.alone.wallSeconds)} (${num(events(n) ?? 0)} events)` : 'failed'))]);
  rows.push(['  rerun to the day alone', ...per((n) => toAlone(n.rerun, n))]);
  rows.push(['  new night to the day alone', ...per((n) => toAlone(n.newNight, n))]);
  rows.push([
    '  star tables after the rerun',
    ...per((n) => {
      if (!n.rerun || !n.loadedTables) return '–';
      const changed = starTablesChanged(n.loadedTables, n.rerun.summary.tables);
      return changed.length === 0 ? 'unchanged' : `CHANGED: ${changed.join(', ')}`;
    }),
  ]);
  const steps = new Set<string>();
  for (const n of nights) for (const name of [...Object.keys(n?.rerun?.activities ?? {}), ...Object.keys(n?.newNight?.activities ?? {})]) steps.add(name);
  rows.push(['time per activity: rerun / new night / day alone', ...engines.map(() => '')]);
  for (const step of steps) rows.push([`  ${step}`, ...per((n) => `${stepCell(n.rerun, step)} / ${stepCell(n.newNight, step)} / ${stepCell(n.alone, step)}`)]);
  return rows;
}

const FLOOR_RATIO = 1.5;
const RSS_LIMIT = GIB;
const RSS_FLAT = 1.3;
const STEP_SLACK = 1.2;
const OVERHEAD_LIMIT = 0.5;
/** Steps shorter than this at the larger size are too short to judge growth from. */
const STEP_MIN_SECONDS = 0.5;

/** Each target of issue 9, judged on the figures measured (null: not measured in this run). */
export function judgeTargets(results: readonly SizeResult[], engines: readonly Engine[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const bySize = (name: string) => results.find((r) => r.size.name === name);
  for (const engine of engines) {
    // Within 1.5× of the floor at 1.6M and 8M events.
    for (const name of ['1.6M', '8M']) {
      const r = bySize(name)?.engines[engine];
      const target = `${engine} ${name}: workflow ≤ ${FLOOR_RATIO}× floor`;
      // A run that failed fails the target, whatever the others measured.
      verdicts.push(
        r?.workflowError !== undefined
          ? { target, met: false, detail: `a workflow run failed (${r.workflowError.slice(0, 80)})` }
          : r?.ratio === undefined
            ? { target, met: null, detail: 'not measured' }
            : { target, met: r.ratio <= FLOOR_RATIO, detail: `${r.ratio.toFixed(2)}×` },
      );
    }
    // Peak RSS ≤ 1 GiB at every size, and flat.
    for (const result of results) {
      const peak = highestPeakRss(result.engines[engine]);
      verdicts.push(
        peak === undefined
          ? { target: `${engine} ${result.size.name}: worker peak RSS ≤ 1 GiB`, met: null, detail: 'not measured' }
          : { target: `${engine} ${result.size.name}: worker peak RSS ≤ 1 GiB`, met: peak <= RSS_LIMIT, detail: mib(peak) },
      );
    }
    const small = highestPeakRss(results[0]?.engines[engine]);
    const large = results.length > 1 ? highestPeakRss(results[results.length - 1].engines[engine]) : undefined;
    const flatName = results.length > 1 ? `${results[results.length - 1].size.name} vs ${results[0].size.name}` : 'largest vs smallest';
    verdicts.push(
      small !== undefined && large !== undefined
        ? {
            target: `${engine}: peak RSS flat (${flatName} ≤ ${RSS_FLAT}×)`,
            met: large <= RSS_FLAT * small,
            detail: `${(large / small).toFixed(2)}×`,
          }
        : { target: `${engine}: peak RSS flat (largest ≤ ${RSS_FLAT}× smallest)`, met: null, detail: 'needs two sizes' },
    );
    // Every step grows at most linearly: time ratio ≤ 1.2 × events ratio, between consecutive sizes,
    // on each step's own time (ownStepSeconds).
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1];
      const b = results[i];
      const wa = a.engines[engine]?.workflow;
      const wb = b.engines[engine]?.workflow;
      const target = `${engine} ${a.size.name}→${b.size.name}: every step ≤ ${STEP_SLACK}× linear`;
      if (!wa || !wb) {
        verdicts.push({ target, met: null, detail: 'not measured' });
        continue;
      }
      const eventsRatio = b.dataset.events / a.dataset.events;
      const limit = STEP_SLACK * eventsRatio;
      const over: string[] = [];
      const judged: string[] = [];
      // Over only with its waits for its turn counted in: said, not judged (the step waited for is).
      const overWithWaits: string[] = [];
      for (const step of Object.keys(wb.activities)) {
        const ta = ownStepSeconds(wa, step);
        const tb = ownStepSeconds(wb, step);
        if (ta === undefined || tb === undefined || tb < STEP_MIN_SECONDS) continue;
        const ratio = tb / Math.max(ta, 0.001);
        judged.push(step);
        if (ratio > limit) over.push(`${step} ${ratio.toFixed(1)}×`);
        const whole = wb.activities[step] / Math.max(wa.activities[step], 0.001);
        if (ratio <= limit && whole > limit) overWithWaits.push(`${step} ${whole.toFixed(1)}×`);
      }
      const waits = overWithWaits.length > 0 ? `; with its waits for its turn: ${overWithWaits.join(', ')}` : '';
      verdicts.push({
        target,
        met: over.length === 0,
        detail: `${eventsRatio.toFixed(1)}× events, limit ${limit.toFixed(1)}×; ${over.length ? `over: ${over.join(', ')}` : `${judged.length} steps ≥ ${STEP_MIN_SECONDS} s within`}${waits}`,
      });
    }
    // Orchestration overhead ≤ 0.5 s per run: every run, so the largest.
    for (const result of results) {
      const runs = allRuns(result.engines[engine]);
      const overhead = runs.length === 0 ? undefined : Math.max(...runs.map((w) => w.overheadSeconds));
      verdicts.push(
        overhead === undefined
          ? { target: `${engine} ${result.size.name}: overhead ≤ ${OVERHEAD_LIMIT} s`, met: null, detail: 'not measured' }
          : { target: `${engine} ${result.size.name}: overhead ≤ ${OVERHEAD_LIMIT} s`, met: overhead <= OVERHEAD_LIMIT, detail: secs(overhead) },
      );
    }
  }
  return verdicts;
}

export function formatTargets(verdicts: readonly TargetVerdict[]): string {
  const width = Math.max(...verdicts.map((v) => v.target.length));
  const mark = (met: boolean | null) => (met === null ? 'n/a    ' : met ? 'met    ' : 'NOT MET');
  return ['== targets (issue 9) ==', ...verdicts.map((v) => `${mark(v.met)}  ${v.target.padEnd(width)}  ${v.detail}`)].join('\n');
}
