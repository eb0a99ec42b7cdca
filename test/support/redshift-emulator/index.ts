import { S3Client } from '@aws-sdk/client-s3';
import { silentLogger, type Logger } from '../../../src/log';
import { createS3Client, type S3Settings } from '../../../src/source/s3Client';
import { InjectedError, RedshiftDataEmulator } from './emulator';
import type { Statement } from './statements';

export type { InjectedError } from './emulator';
export { EMULATOR_SCHEMA } from './translate';

export interface RedshiftEmulatorOptions {
  /** The PostgreSQL database every ClusterIdentifier/WorkgroupName/Database maps to. */
  pgUrl: string;
  /** Where COPY reads s3:// URLs from (the loopback S3 server). */
  s3: S3Settings;
  port?: number;
  host?: string;
  /** Rows per GetStatementResult page (default 1000); small values exercise NextToken. */
  pageSize?: number;
  /** Non-terminal statements allowed at once before ActiveStatementsExceededException (default 30). */
  maxActiveStatements?: number;
  /** Keep PRIMARY KEY/UNIQUE/FOREIGN KEY in DDL (Redshift doesn't enforce them, so by default they're dropped). */
  enforceConstraints?: boolean;
  logger?: Logger;
}

export interface RedshiftEmulator {
  /** Pass as `endpoint` to RedshiftDataClient. */
  endpoint: string;
  stop(): Promise<void>;
  /** How many times this exact SQL text (or any text matching the RegExp) was submitted; idempotent replays don't count. */
  submissionCount(sql: string | RegExp): number;
  /** Every submitted SQL text (each of a batch's Sqls separately) with its count. */
  submissions(): Map<string, number>;
  /** Statements with a SQL text matching `pattern` stay STARTED, transaction open and uncommitted, until released. */
  hold(pattern: RegExp | string): void;
  /** Releases the hold with this pattern, or every hold. */
  release(pattern?: RegExp | string): void;
  /** Resolves with the id of a statement held by `pattern`. */
  waitUntilHeld(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** The next `count` calls fail with `type` (see RedshiftDataEmulator.injectThrottling). */
  injectThrottling(count: number, type?: InjectedError, operations?: string[]): void;
  setPageSize(rows: number): void;
  /** The emulator's record of a statement (for assertions beyond the API). */
  statement(id: string): Statement | undefined;
}

export async function startRedshiftEmulator(options: RedshiftEmulatorOptions): Promise<RedshiftEmulator> {
  const s3: S3Client = createS3Client(options.s3);
  const emulator = new RedshiftDataEmulator({
    pgUrl: options.pgUrl,
    s3,
    pageSize: options.pageSize ?? 1000,
    maxActiveStatements: options.maxActiveStatements ?? 30,
    translate: { enforceConstraints: options.enforceConstraints ?? false },
    logger: options.logger ?? silentLogger,
  });
  let endpoint: string;
  try {
    endpoint = await emulator.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  } catch (err) {
    await emulator.stop().catch(() => undefined);
    s3.destroy();
    throw err;
  }
  return {
    endpoint,
    stop: async () => {
      await emulator.stop();
      s3.destroy();
    },
    submissionCount: (sql) => emulator.submissionCount(sql),
    submissions: () => emulator.submissions(),
    hold: (pattern) => emulator.hold(pattern),
    release: (pattern) => emulator.release(pattern),
    waitUntilHeld: (pattern, timeoutMs) => emulator.waitUntilHeld(pattern, timeoutMs),
    injectThrottling: (count, type, operations) => emulator.injectThrottling(count, type, operations),
    setPageSize: (rows) => {
      emulator.pageSize = rows;
    },
    statement: (id) => emulator.statements.get(id),
  };
}
