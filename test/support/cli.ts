import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';

/** The CLI as a user starts it: `bin/sparkify.js` over the built `dist/` (the test command builds first). */
export const SPARKIFY_BIN = path.resolve(__dirname, '../../bin/sparkify.js');

export interface SparkifyProcessOptions {
  cwd?: string;
  /**
   * Removed from the test process's own environment: a developer's TEMPORAL_ADDRESS,
   * SPARKIFY_WAREHOUSE or SPARKIFY_SOURCE would otherwise decide where the command goes.
   */
  unset?: string[];
  /** Then set over it. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** `sparkify ARGS` in a child process, run to its end: its exit status and what it printed. */
export function runSparkify(args: string[], options: SparkifyProcessOptions = {}): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of options.unset ?? []) delete env[name];
  Object.assign(env, options.env);
  return spawnSync(process.execPath, [SPARKIFY_BIN, ...args], { cwd: options.cwd, env, encoding: 'utf8', timeout: options.timeoutMs ?? 170_000 });
}
