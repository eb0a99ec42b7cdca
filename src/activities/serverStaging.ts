import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import type { RecordKind, StageResult } from '../etl/types';
import { hasObjectUrls, type ObjectUrls, type Source } from '../source';
import type { ListedKeys } from '../staging/listedKeys';
import { createS3Client, type S3Settings } from '../source/s3Client';
import { putTextObject } from '../source/s3TextObject';
import { serverStagingPlan } from '../staging/serverStagingSql';
import { SqlError } from '../warehouse/errors';
import { hasServerSideStaging, type ServerSideStaging, type Warehouse } from '../warehouse/types';
import { activityStatementOptions, whileHeartbeating } from './heartbeat';

/** Server-side staging applies when the warehouse has it and can reach the files by URL (S3). */
export function serverStaging(warehouse: Warehouse, source: Source): { warehouse: Warehouse & ServerSideStaging; source: Source & ObjectUrls } | undefined {
  return hasServerSideStaging(warehouse) && hasObjectUrls(source) ? { warehouse, source } : undefined;
}

/**
 * Stages exactly the listed files with the warehouse's own loader (Redshift COPY): the files never
 * pass through this process. The same result as client-side staging; the staging step checks its
 * reject rate.
 */
export async function stageOnServer(options: {
  runId: string;
  kind: RecordKind;
  keys: ListedKeys & { bytes: number };
  source: Source & ObjectUrls;
  warehouse: Warehouse & ServerSideStaging;
  s3: S3Settings;
}): Promise<StageResult> {
  const { runId, kind, keys, source, warehouse } = options;
  const statementOptions = activityStatementOptions();
  const s3 = createS3Client(options.s3);
  try {
    const staged = await whileHeartbeating({ kind, files: keys.count }, () =>
      warehouse.stageFromS3(
        {
          runId,
          kind,
          files: keys,
          url: (key) => source.url(key),
          sourceUrl: source.description,
          putObject: (url, body) => putTextObject(s3, url, body),
          ...serverStagingPlan(warehouse.dialect, { runId, kind, sourceUrl: source.description }),
        },
        statementOptions,
      ),
    ).catch((err: unknown) => {
      // A refused COPY (bad records beyond MAXERROR, bad SQL) fails the same way on every attempt.
      if (err instanceof SqlError) throw ApplicationFailure.nonRetryable(err.message, ERROR_TYPES.sql);
      throw err;
    });
    return { kind, files: keys.count, bytes: keys.bytes, ...staged };
  } finally {
    s3.destroy();
  }
}
