/**
 * Starting a run or a backfill under its window's workflow id while a workflow of that id is
 * running: the CLI attaches to it and reports its outcome, but only when the running one was asked
 * for what this start asks (the same source, warehouse and settings that change what is loaded).
 * Otherwise the command would report success for a load that went elsewhere.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { fromPayloadsAtIndex, type Workflow } from '@temporalio/common';
import { ConfigError } from '../config';
import { RUN_DEFAULTS } from '../defaults';
import type { DateRunInput } from '../workflows/dateRun';
import { tell } from './common';

/** A setting the running workflow holds otherwise than asked, as the message names it. */
export interface SettingDifference {
  setting: string;
  running: unknown;
  asked: unknown;
}

// Settings of a date's run that change what it loads, with the value a missing one means.
const RUN_SETTINGS: [keyof DateRunInput, unknown][] = [
  ['source', undefined],
  ['warehouse', undefined],
  ['maxRejectRate', RUN_DEFAULTS.maxRejectRate],
  ['durationTolerance', RUN_DEFAULTS.durationTolerance],
  ['matchRateWarnBelow', RUN_DEFAULTS.matchRateWarnBelow],
  ['failOnEmpty', RUN_DEFAULTS.failOnEmpty],
  ['extraChecks', []],
];

/** Where two run inputs differ in what they load (a missing source or warehouse is the worker's own). */
export function runSettingDifferences(running: Partial<DateRunInput>, asked: Partial<DateRunInput>, prefix = ''): SettingDifference[] {
  return RUN_SETTINGS.flatMap(([setting, fallback]) => {
    const [r, a] = [running[setting] ?? fallback, asked[setting] ?? fallback];
    return JSON.stringify(r) === JSON.stringify(a) ? [] : [{ setting: prefix + setting, running: r, asked: a }];
  });
}

function shown(value: unknown): string {
  if (value === undefined) return "the worker's default";
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The input the current run of `workflowId` was started with: the first event of its history. */
async function runningInput(client: Client, workflowId: string): Promise<unknown> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  return fromPayloadsAtIndex(client.options.loadedDataConverter.payloadConverter, 0, payloads);
}

export interface AttachRules<I> {
  /** What the running workflow's input holds otherwise than the one asked. */
  differences: (running: I, asked: I) => SettingDifference[];
  /** Its source and warehouse, for the message. */
  target: (input: I) => { source?: string; warehouse?: string };
}

/** The workflow a command waits on, and whether another starter had started it. */
export interface StartedOrAttached<W extends Workflow> {
  handle: WorkflowHandle<W>;
  attached: boolean;
}

/**
 * Starts the workflow; when its id is running, attaches to it if it was started with the same
 * settings (and tells the user this command started nothing), and otherwise fails (exit 2) naming
 * the running workflow, its target and the way out.
 */
export async function startOrAttach<W extends Workflow>(
  client: Client,
  workflow: W,
  options: WorkflowStartOptions<W> & { args: Parameters<W> },
  rules: AttachRules<Parameters<W>[0]>,
): Promise<StartedOrAttached<W>> {
  const { workflowId } = options;
  for (;;) {
    try {
      return { handle: await client.workflow.start(workflow, { ...options, workflowIdConflictPolicy: 'FAIL' }), attached: false };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const running = (await runningInput(client, workflowId)) as Parameters<W>[0];
    const differences = rules.differences(running, options.args[0]);
    if (differences.length === 0) {
      tell(`Attached to ${workflowId}, already running with the same settings: this command started no new one.`);
      return { handle: client.workflow.getHandle(workflowId), attached: true };
    }
    // It may have ended since the start was refused: then this start is the only one.
    const { status } = await client.workflow.getHandle(workflowId).describe();
    if (status.name !== 'RUNNING') continue;
    const { source, warehouse } = rules.target(running);
    const what = differences.map((d) => `${d.setting} ${shown(d.running)} (asked: ${shown(d.asked)})`).join('; ');
    throw new ConfigError(
      `${workflowId} is already running with source ${shown(source)} and warehouse ${shown(warehouse)}, not as asked: ${what}. ` +
        `Wait for it to end and start again, or cancel it: temporal workflow cancel --workflow-id ${workflowId}`,
    );
  }
}
