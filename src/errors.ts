/**
 * Error types shared across layers, at the bottom of the import graph (no imports), so config,
 * the warehouse adapters and the workflows can name failures without importing each other.
 * Workflow-safe.
 */

/**
 * A setting the user got wrong. The CLI prints the message as one line and exits 2, so the message
 * must name the setting (flag or environment variable) and say what would be accepted.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ERROR_TYPES.config;
  }
}

/**
 * A place the run writes to has no room (disk full, a file size limit, a quota) or refuses the
 * write (read-only, no permission): every retry meets it again until someone acts, so activities
 * fail with it at once, as a non-retryable failure (src/activities/failureTypes.ts). The message
 * names the place and says what to do.
 */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = ERROR_TYPES.storage;
  }
}

/** The names failures travel under: an Error's `name`, or an ApplicationFailure's `type`. */
export const ERROR_TYPES = {
  /** The warehouse refused a statement for what it says (src/warehouse/errors.ts SqlError). */
  sql: 'SqlError',
  config: 'ConfigError',
  /** Source records the run cannot read, beyond the tolerated reject rate, or a listed file gone (src/source/listedFileGone.ts). */
  invalidInput: 'InvalidInput',
  /** An error-level data-quality check failed. */
  qualityCheckFailed: 'QualityCheckFailed',
  /**
   * Reference checks failed while another run was between its publishes (src/activities/checkActivities.ts):
   * retried, as the other run's next publish may complete the references.
   */
  checkedBesideAnotherPublish: 'CheckedBesideAnotherPublish',
  /** One or more dates of a backfill failed (raised by the backfill workflow at its end). */
  backfillFailed: 'BackfillFailed',
  /** A workflow's input does not have the expected shape (src/workflows/inputs.ts). */
  invalidWorkflowInput: 'InvalidWorkflowInput',
  /** A superseded attempt of a step tried to commit; the fence rolled it back (src/activities/fence.ts). */
  staleAttempt: 'StaleAttempt',
  /** The alert webhook refused the message for what it says (a 4xx other than 408/429). */
  webhookRejected: 'WebhookRejected',
  /** The warehouse's tables are of a newer release than this worker's (src/ledger/warehouseVersions.ts). */
  warehouseNewer: 'WarehouseNewerThanRelease',
  /** A place the run writes is full or refuses the write (src/errors.ts StorageError). */
  storage: 'StorageError',
} as const;

/** One of the failure names above: what activities throw and retry policies list. */
export type ErrorType = (typeof ERROR_TYPES)[keyof typeof ERROR_TYPES];

/**
 * Failures that retrying cannot fix: an activity failing with one of them fails its run at once.
 * Every retry policy of the ETL and backfill workflows lists exactly these. (The other types are
 * always thrown as non-retryable failures, or never by an activity.)
 */
export const NON_RETRYABLE_ERROR_TYPES: ErrorType[] = [
  ERROR_TYPES.sql,
  ERROR_TYPES.qualityCheckFailed,
  ERROR_TYPES.invalidInput,
  ERROR_TYPES.config,
];
