import { ERROR_TYPES } from '../errors';

/**
 * A file the run listed that is gone when staging reads it. Every attempt of the step reads the
 * same file list, so retrying cannot help: the error's name makes the failure non-retryable, and
 * the run fails at once, naming the file, instead of retrying for minutes.
 */
export class ListedFileGone extends Error {
  constructor(
    where: string,
    /** What the source said: ENOENT, NoSuchKey. */
    readonly code: string,
  ) {
    super(`${where} was listed by this run and is gone now (${code}): the source changed during the run; run it again to list the source anew`);
    this.name = ERROR_TYPES.invalidInput;
  }
}
