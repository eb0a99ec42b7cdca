/**
 * How long an AWS SDK client's connections may stay silent, and take to open. The SDK's Node
 * handler waits for ever by default: a request or download whose connection goes quiet without
 * closing (a lost path, a middlebox that dropped its state) would hold its step until the step's
 * own timeout, hours away, while the worker's keepalive heartbeats go on.
 */
export interface AwsHttpTimeouts {
  /** No byte in either direction for this long fails the request or the body being read; 0: never. */
  readTimeoutMs: number;
  /** A connection not open after this long fails; 0: never. */
  connectTimeoutMs: number;
}

/** botocore's read timeout (60 s), and a connect timeout of 10 s. */
export const DEFAULT_AWS_HTTP_TIMEOUTS: AwsHttpTimeouts = { readTimeoutMs: 60_000, connectTimeoutMs: 10_000 };

/**
 * The client's `requestHandler` options. socketTimeout is the idle limit, which also holds while a
 * response's body streams; the SDK's requestTimeout limits a whole request, which a long download
 * must not have.
 */
export function awsRequestHandler(timeouts: AwsHttpTimeouts): { socketTimeout: number; connectionTimeout: number } {
  return { socketTimeout: timeouts.readTimeoutMs, connectionTimeout: timeouts.connectTimeoutMs };
}
