import type { ScheduleOverlapPolicy } from '@temporalio/client';
import { Command, Option } from 'commander';
import os from 'node:os';
import { SCHEDULE_LIMITS } from '../defaults';
import { ConfigError } from '../config';
import {
  clockChangeWarning,
  createDailySchedule,
  OVERLAP_POLICIES,
  SCHEDULE_DEFAULTS,
  summarizeSchedule,
  updateDailySchedule,
  validateSchedule,
  validateScheduleChanges,
  type DailySchedule,
  type ResettableRunSetting,
} from '../schedules/daily';
import { planTrigger } from '../schedules/trigger';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { dateRunInput, integerOption, print, temporalAddressOption, withClient, type CliContext } from './common';
import { addNotifyOptions, notifyFromFlags, notifyUrlEnv } from '../notify/flags';
import { addConnectionOptions, type ConnectionFlags } from '../temporal/connection';
import { scheduleErrorForUser } from './scheduleErrors';
import { connectionFlagsOf, settingNamesOf } from './settingNames';

function scheduleSettingFlags(command: Command, withDefaults: boolean): Command {
  const d = (value: string | number) => (withDefaults ? value : undefined);
  const withEnv = (option: Option, name: string) => (withDefaults ? option.env(name) : option);
  // create falls back on the environment; update changes only what it is given.
  return addNotifyOptions(command, withDefaults)
    .option('--at <HH:MM>', 'local time of day the run starts (not one a daylight-saving change of the zone skips or repeats)', d(SCHEDULE_DEFAULTS.at) as string | undefined)
    .option('--time-zone <IANA name>', 'time zone of --at and of the logical date, e.g. Europe/Berlin', d(SCHEDULE_DEFAULTS.timeZone) as string | undefined)
    .option('--offset-days <n>', 'logical date = the scheduled local date plus n days (-1: the previous day)', integerOption('--offset-days', SCHEDULE_LIMITS.offsetDays.min, SCHEDULE_LIMITS.offsetDays.max), d(SCHEDULE_DEFAULTS.offsetDays) as number | undefined)
    .addOption(
      new Option('--overlap <policy>', 'when the previous run is still going at start time').choices([...OVERLAP_POLICIES] as string[]).default(d(SCHEDULE_DEFAULTS.overlap)),
    )
    .option('--catchup-window <duration>', 'how late a missed start may still run, e.g. 1d, 12h', d(SCHEDULE_DEFAULTS.catchupWindow) as string | undefined)
    .addOption(withEnv(new Option('--source <dir|s3://…>', "source for each run (default: the worker's)"), 'SPARKIFY_SOURCE'))
    .addOption(withEnv(new Option('--warehouse <uri>', "warehouse for each run (default: the worker's)"), 'SPARKIFY_WAREHOUSE'))
    .option('--fail-on-empty', 'fail a run whose day has no events (default: succeed with a warning)');
}

/**
 * The note a pause or unpause leaves when given none: the SDK's own ("Unpaused via TypeScript SDK")
 * would replace the previous note with nothing anyone can act on.
 */
function stateNote(command: 'pause' | 'unpause'): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers): $USER stands.
  }
  return `${command}d with \`sparkify schedule ${command}\` by ${user}@${os.hostname()} at ${new Date().toISOString()}`;
}

/** withClient, with Temporal's schedule errors said in the operator's words. */
function withSchedule<T>(ctx: CliContext, flags: ConnectionFlags, work: Parameters<typeof withClient<T>>[2]): Promise<T> {
  return withClient(ctx, flags, async (client, env, log) => {
    try {
      return await work(client, env, log);
    } catch (err) {
      throw scheduleErrorForUser(err, env.TEMPORAL_NAMESPACE);
    }
  });
}

/** `sparkify schedule create|update|describe|list|pause|unpause|trigger|delete` */
export function registerScheduleCommands(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description('The nightly ETL run as a Temporal Schedule: by default daily at 02:00 UTC, for the previous day');
  const idOption = () => new Option('--id <scheduleId>', 'schedule id').default(SCHEDULE_DEFAULTS.scheduleId);

  scheduleSettingFlags(schedule.command('create').description('Create the daily schedule'), true)
    .addOption(idOption())
    .addOption(temporalAddressOption())
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule (e.g. why it is paused)')
    .action(async (flags, command: Command) => {
      // Every setting is checked before the server is reached: a wrong one was told only once a
      // server answered, after the search attributes had been registered on its namespace.
      const notify = notifyFromFlags(flags, settingNamesOf(command), notifyUrlEnv(command));
      const settings: DailySchedule = {
        scheduleId: flags.id,
        taskQueue: ctx().env.SPARKIFY_TASK_QUEUE,
        at: flags.at,
        timeZone: flags.timeZone,
        offsetDays: flags.offsetDays,
        overlap: flags.overlap,
        catchupWindow: flags.catchupWindow,
        etl: { ...dateRunInput(flags, settingNamesOf(command)), ...(notify ? { notify } : {}) },
      };
      validateSchedule(settings);
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client, _env, log) => {
        // Each run carries the Sparkify search attributes: the namespace must know them.
        await ensureSearchAttributes(client, log);
        await createDailySchedule(client, settings, { paused: flags.paused, note: flags.note });
        print(`Created schedule ${flags.id}: daily at ${flags.at} ${flags.timeZone}, logical date ${flags.offsetDays} day(s), overlap ${flags.overlap}${flags.paused ? ' (paused)' : ''}.`);
      });
    });

  scheduleSettingFlags(schedule.command('update').description('Change settings of the schedule; the others stay'), false)
    .option('--no-fail-on-empty', 'let a run whose day has no events succeed with a warning again')
    .addOption(new Option('--reset-source', "drop the schedule's --source: each run takes the worker's default again").conflicts('source'))
    .addOption(new Option('--reset-warehouse', "drop the schedule's --warehouse: each run takes the worker's default again").conflicts('warehouse'))
    .addOption(idOption())
    .addOption(temporalAddressOption())
    .action(async (flags, command: Command) => {
      // The given settings are checked before the server is reached; those that hold only with the
      // schedule's others (--at against its zone's clock changes) once it is read.
      const notify = notifyFromFlags(flags, settingNamesOf(command), notifyUrlEnv(command));
      const changes = Object.fromEntries(
        Object.entries({ at: flags.at, timeZone: flags.timeZone, offsetDays: flags.offsetDays, overlap: flags.overlap, catchupWindow: flags.catchupWindow }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const etl = {
        ...dateRunInput({ source: flags.source, warehouse: flags.warehouse, failOnEmpty: flags.failOnEmpty }),
        ...(flags.failOnEmpty === false ? { failOnEmpty: false } : {}),
        ...(notify ? { notify } : {}),
      };
      const reset: ResettableRunSetting[] = [...(flags.resetSource ? (['source'] as const) : []), ...(flags.resetWarehouse ? (['warehouse'] as const) : [])];
      if (Object.keys(changes).length === 0 && Object.keys(etl).length === 0 && reset.length === 0) {
        throw new ConfigError('schedule update: give at least one setting to change');
      }
      validateScheduleChanges(changes);
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
        const updated = await updateDailySchedule(client, flags.id, { ...changes, etl }, reset);
        const defaults = reset.length > 0 ? `; ${reset.join(' and ')}: the worker's default` : '';
        print(`Updated schedule ${flags.id}: daily at ${updated.at} ${updated.timeZone}, logical date ${updated.offsetDays} day(s), overlap ${updated.overlap}${defaults}.`);
        const warning = clockChangeWarning(updated);
        if (warning) print(`Warning: ${warning}.`);
      });
    });

  schedule
    .command('describe')
    .description("Show the schedule's settings, state, recent and next runs")
    .addOption(idOption())
    .addOption(temporalAddressOption())
    .option('--json', 'as one JSON object')
    .action(async (flags, command: Command) => {
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
        const summary = summarizeSchedule(await client.schedule.getHandle(flags.id).describe());
        if (flags.json) return print(JSON.stringify(summary));
        for (const [key, value] of Object.entries(summary)) print(`${key.padEnd(20)} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
      });
    });

  schedule
    .command('list')
    .description('List the schedules of the namespace')
    .addOption(temporalAddressOption())
    .option('--json', 'as a JSON array')
    .action(async (flags, command: Command) => {
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
        const rows = [];
        for await (const s of client.schedule.list()) {
          rows.push({
            scheduleId: s.scheduleId,
            paused: s.state.paused,
            workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : null,
            next: s.info.nextActionTimes[0]?.toISOString() ?? null,
          });
        }
        if (flags.json) return print(JSON.stringify(rows));
        if (rows.length === 0) return print('(no schedules)');
        for (const r of rows) print(`${r.scheduleId}  ${r.paused ? 'paused' : 'active'}  ${r.workflowType ?? ''}  next ${r.next ?? '-'}`);
      });
    });

  for (const [name, verb] of [
    ['pause', 'Pause'],
    ['unpause', 'Unpause'],
  ] as const) {
    schedule
      .command(name)
      .description(`${verb} the schedule (the note says why, for whoever looks next)`)
      .addOption(idOption())
      .addOption(temporalAddressOption())
      .option('--note <text>', `why (default: who ${name}d it, with which command, when)`)
      .action(async (flags, command: Command) => {
        await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
          const note: string = flags.note ?? stateNote(name);
          await client.schedule.getHandle(flags.id)[name](note);
          print(`${verb}d schedule ${flags.id}: ${note}.`);
        });
      });
  }

  schedule
    .command('trigger')
    .description("Start a run now (its logical date follows from now, as if scheduled now); the schedule's overlap policy applies: under SKIP, a run still going refuses it")
    .addOption(idOption())
    .addOption(temporalAddressOption())
    .addOption(new Option('--overlap <policy>', "this trigger's overlap policy instead of the schedule's").choices([...OVERLAP_POLICIES] as string[]))
    .action(async (flags, command: Command) => {
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
        const handle = client.schedule.getHandle(flags.id);
        const described = await handle.describe();
        // The SDK's trigger defaults to ALLOW_ALL; a manual start should respect the schedule's policy.
        const overlap: ScheduleOverlapPolicy = flags.overlap ?? described.policies.overlap;
        const plan = planTrigger(overlap, {
          running: described.info.runningActions.map((a) => a.workflow.workflowId),
          buffered: Number(described.raw.info?.bufferSize ?? 0),
        });
        if (!plan.trigger) {
          throw new ConfigError(
            `schedule ${flags.id} not triggered: ${plan.why}. Wait for it to end (\`sparkify schedule describe --id ${flags.id}\` shows it), ` +
              'or give --overlap ALLOW_ALL to start a run beside it, BUFFER_ALL to start one after it, or CANCEL_OTHER to start one in its place',
          );
        }
        await handle.trigger(overlap);
        print(`Triggered schedule ${flags.id}: ${plan.effect} (overlap ${overlap}).`);
      });
    });

  schedule
    .command('delete')
    .description('Delete the schedule (runs already started go on)')
    .addOption(idOption())
    .addOption(temporalAddressOption())
    .action(async (flags, command: Command) => {
      await withSchedule(ctx, connectionFlagsOf(flags, command), async (client) => {
        await client.schedule.getHandle(flags.id).delete();
        print(`Deleted schedule ${flags.id}.`);
      });
    });

  // Every subcommand reaches the server the same way as run, worker and backfill.
  for (const command of schedule.commands) addConnectionOptions(command);
}
