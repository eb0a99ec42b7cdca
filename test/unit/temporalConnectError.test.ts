import { ConfigError } from '../../src/errors';
import { rootMessage } from '../../src/etl/failures';
import { explainConnectError, resolveTarget } from '../../src/temporal/connection';

describe('a failed connection to Temporal', () => {
  const target = resolveTarget({ temporal: '127.0.0.1:1' })!;

  test('names the address it tried and where that address comes from', () => {
    const error = explainConnectError(new Error('Failed to connect before the deadline'), target);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect(rootMessage(error)).toBe(
      'Temporal at 127.0.0.1:1: Failed to connect before the deadline. Is a Temporal server listening there? Check --temporal (TEMPORAL_ADDRESS); `sparkify doctor` checks it',
    );
  });

  test('a refused API key stays a setting to fix', () => {
    const error = explainConnectError(new Error('16 UNAUTHENTICATED: bad key'), { ...target, apiKey: true });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^Temporal at 127\.0\.0\.1:1 rejected the API key/);
  });
});
