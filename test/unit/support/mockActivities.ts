/**
 * Activities that stand in for the real ones in workflow tests: each records its calls (name, input,
 * attempt, start/end order) and returns a small plausible result, unless a test overrides it.
 */
import { Context } from '@temporalio/activity';
import type { Activities } from '../../../src/activities';
import type { MatchStats, RunSummary, StageResult } from '../../../src/etl/types';
import { Signal } from './signal';

export type ActivityName = keyof Activities;

export interface Call {
  name: ActivityName;
  input: Record<string, unknown>;
  attempt: number;
  workflowId: string;
}

export function stageResult(kind: 'events' | 'songs'): StageResult {
  return { kind, files: 1, bytes: 10, recordsRead: 3, recordsStaged: 3, recordsRejected: 0, rejectSamples: [] };
}

export const MATCHES: MatchStats = { plays: 2, strictMatches: 1, repairedMatches: 1, matchRate: 0.5, playsWithoutUser: 0 };

type Impl = (input: Record<string, unknown>) => Promise<unknown>;

const DEFAULTS: Record<ActivityName, Impl> = {
  createSchema: async () => undefined,
  listSourceFiles: async () => ({ eventFiles: 1, songFiles: 1, eventBytes: 10, songBytes: 10 }),
  listEventFiles: async () => ({ eventFiles: 1, songFiles: 0, eventBytes: 10, songBytes: 0 }),
  listSongFiles: async () => ({ eventFiles: 0, songFiles: 1, eventBytes: 0, songBytes: 10 }),
  stageEvents: async () => stageResult('events'),
  stageSongs: async () => stageResult('songs'),
  checkStagedData: async () => [],
  repairText: async () => ({ distinctValues: 2, repairedValues: 0 }),
  loadSongs: async () => undefined,
  loadArtists: async () => undefined,
  loadUsers: async () => undefined,
  loadTime: async () => undefined,
  loadSongplays: async () => MATCHES,
  runQualityChecks: async () => [],
  queryLevelChanges: async () => [{ day: '2018-11-01', levelUpgrades: 1, levelDowngrades: 0, submitUpgrades: 1, submitDowngrades: 0 }],
  loadedDates: async () => [],
  recordFailedRun: async () => undefined,
  recordReportError: async () => undefined,
  summarizeRun: async (input) => summaryFrom(input),
  writeReport: async (input) => `/reports/${String(input.workflowId)}.html`,
  sendNotification: async () => ({ status: 200 }),
};

/** Every activity the worker registers (the record above is checked against the real Activities type). */
export const ACTIVITY_NAMES = Object.keys(DEFAULTS) as ActivityName[];

/** What the real summarizeRun returns, minus the warehouse's table counts. */
function summaryFrom(input: Record<string, unknown>): RunSummary {
  const rest: Record<string, unknown> = { ...input };
  delete rest.startedAt;
  return { ...(rest as unknown as RunSummary), status: 'completed', tables: { songplays: 2 } };
}

/** Mocked activities plus what happened to them. */
export class MockActivities {
  readonly calls: Call[] = [];
  /** 'start:NAME' and 'end:NAME' (or 'fail:NAME') in the order they happened, across workflows. */
  readonly events: string[] = [];
  readonly changed = new Signal();
  private readonly overrides: Partial<Record<ActivityName, Impl>>;

  constructor(overrides: Partial<Record<ActivityName, Impl>> = {}) {
    this.overrides = overrides;
  }

  calledNames(workflowId?: string): ActivityName[] {
    return this.calls.filter((c) => workflowId === undefined || c.workflowId === workflowId).map((c) => c.name);
  }

  count(name: ActivityName): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  started(name: ActivityName): boolean {
    return this.events.includes(`start:${name}`);
  }

  /** Index of the first event, failing the test when it never happened. */
  indexOf(event: string): number {
    const i = this.events.indexOf(event);
    if (i < 0) throw new Error(`no "${event}" among ${this.events.join(', ')}`);
    return i;
  }

  activities(): Activities {
    const entries = (Object.keys(DEFAULTS) as ActivityName[]).map((name) => {
      const impl = this.overrides[name] ?? DEFAULTS[name];
      const run = async (input: Record<string, unknown>) => {
        const info = Context.current().info;
        this.calls.push({ name, input, attempt: info.attempt, workflowId: info.workflowExecution?.workflowId ?? '' });
        this.events.push(`start:${name}`);
        this.changed.changed();
        try {
          const result = await impl(input);
          this.events.push(`end:${name}`);
          return result;
        } catch (err) {
          this.events.push(`fail:${name}`);
          throw err;
        } finally {
          this.changed.changed();
        }
      };
      return [name, run];
    });
    return Object.fromEntries(entries) as unknown as Activities;
  }
}

/**
 * An activity body that heartbeats until its activity is cancelled (then rethrows the cancellation)
 * or `release` resolves. Cancellation reaches an activity only through its heartbeats.
 */
export async function heartbeatUntil(release: Promise<void>, onCancelled: () => void): Promise<void> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), 100);
  try {
    await Promise.race([release, ctx.cancelled]);
  } catch (err) {
    onCancelled();
    throw err;
  } finally {
    clearInterval(timer);
  }
}
