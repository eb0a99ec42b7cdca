/**
 * The failure types activities fail under. Temporal names a thrown Error by its class
 * (`constructor.name`), not by its `name`: a subclass of SqlError, such as the Redshift adapter's
 * StatementFailedError, would fail its activity as "StatementFailedError", a type no retry policy
 * lists, and be retried as if transient. Every activity goes through `withFailureTypes`, so an error
 * of one of these classes, subclass or not, fails under the class's ERROR_TYPES name.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, ERROR_TYPES, StorageError, type ErrorType } from '../errors';
import { workerNoRoomError } from '../util/storageFaults';
import { SqlError } from '../warehouse/errors';

const TYPED_ERRORS: [new (...args: never[]) => Error, ErrorType][] = [
  [SqlError, ERROR_TYPES.sql],
  [ConfigError, ERROR_TYPES.config],
];

/**
 * `err` as it should leave an activity: a subclass of a typed error becomes a failure of its base
 * type; a StorageError, or a write of the worker's own files with no room, a non-retryable failure.
 */
export function withFailureType(err: unknown): unknown {
  const storage = workerNoRoomError(err);
  if (storage instanceof StorageError) {
    return ApplicationFailure.create({ type: ERROR_TYPES.storage, message: storage.message, cause: storage, nonRetryable: true });
  }
  for (const [base, type] of TYPED_ERRORS) {
    // The base class itself already travels under its own name (unchanged, so callers still see the class).
    if (err instanceof base && err.constructor !== base) {
      return ApplicationFailure.create({ type, message: err.message, cause: err, nonRetryable: false });
    }
  }
  return err;
}

type ActivityFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** The same activities, each failing under its error's ERROR_TYPES name (see above). */
export function withFailureTypes<T extends ActivityFunctions>(activities: T): T {
  const wrapped: ActivityFunctions = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await activity(...args);
      } catch (err) {
        throw withFailureType(err);
      }
    };
  }
  return wrapped as T;
}
