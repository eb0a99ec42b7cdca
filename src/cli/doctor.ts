import { Option, type Command } from 'commander';
import { ConfigError, type EnvSettings } from '../config';
import { DOCTOR_EXIT, formatCheck, runDoctor, runStartChecks, summaryLine } from '../doctor';
import { s3SettingsFromEnv } from '../source/s3Client';
import { addConnectionOptions, resolveTarget } from '../temporal/connection';
import { checkLocations, connectionFlagsOf } from './settingNames';

const EXIT_CODES_HELP = `
Exit codes: ${DOCTOR_EXIT.ok} every check that applies is ok, ${DOCTOR_EXIT.problems} at least one problem, ${DOCTOR_EXIT.unchecked} no problem found
but something could not be checked, 2 a bad flag or setting (before any check runs).`;

/** `setExitCode` hands the doctor's status to the caller of this program's parse (main() returns it instead of 0). */
export function registerDoctorCommand(program: Command, ctx: () => { env: EnvSettings }, setExitCode: (code: number) => void): void {
  addConnectionOptions(program.command('doctor'))
    .description('Check access before a run: AWS identity and region, source, COPY role, warehouse, Temporal, local warehouses')
    .addOption(new Option('--source <dir|s3://bucket/prefix>', 'the source to check').env('SPARKIFY_SOURCE'))
    .addOption(new Option('--warehouse <uri>', 'the warehouse to check').env('SPARKIFY_WAREHOUSE'))
    .option('--temporal <host:port>', 'the Temporal server to check (env TEMPORAL_ADDRESS)')
    .option('--json', 'print the results as one JSON object')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (flags, command: Command) => {
      const { env } = ctx();
      checkLocations(command);
      const report = await runDoctor({
        source: flags.source,
        warehouse: flags.warehouse,
        temporal: resolveTarget({ ...connectionFlagsOf(flags, command), temporal: flags.temporal ?? env.TEMPORAL_ADDRESS, namespace: flags.namespace ?? env.TEMPORAL_NAMESPACE }),
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        s3: s3SettingsFromEnv(),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        for (const check of report.checks) process.stdout.write(`${formatCheck(check)}\n`);
        process.stdout.write(`${summaryLine(report)}\n`);
      }
      setExitCode(DOCTOR_EXIT[report.status]);
    });
}

/** `sparkify run` / `sparkify worker`: the cheap checks, failing fast with the doctor's lines. */
export async function failFastOnStartChecks(options: { source?: string; warehouse?: string; reportDirs?: { dir: string; fix: string }[] }): Promise<void> {
  const problems = await runStartChecks({ ...options, s3: s3SettingsFromEnv() });
  if (problems.length > 0) {
    throw new ConfigError(`start checks failed (sparkify doctor checks more):\n${problems.map(formatCheck).join('\n')}`);
  }
}
