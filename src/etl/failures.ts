/**
 * Reading Temporal failures: pure functions, so workflow code and the CLI share them.
 */
type FailureChain = { message?: string; cause?: unknown; activityType?: string };

/**
 * The deepest cause's message: the activity's own words. Where an error wraps its cause with the
 * cause's message inside its own (`s3://bucket/key: <the SDK's message>`), the wrapper's is kept:
 * it says the same and what it was about.
 */
export function rootMessage(err: unknown): string {
  let current = err as FailureChain | undefined;
  let message = current?.message ?? String(err);
  while (current?.cause) {
    current = current.cause as FailureChain;
    if (current.message && !message.includes(current.message)) message = current.message;
  }
  return message;
}

/** The activity a failure came from, if it came from one. */
export function failedStep(err: unknown): string | undefined {
  for (let c = err as FailureChain | undefined; c; c = c.cause as FailureChain | undefined) {
    if (c.activityType) return c.activityType;
  }
  return undefined;
}
