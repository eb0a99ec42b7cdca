import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataApi } from '../src/warehouse/redshift/dataApi';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';

/**
 * A Data API call whose answer never comes (the connection open, nothing sent back) fails after
 * the client's idle limit, so the step retries, instead of waiting until the step's 6-hour timeout
 * while the worker's keepalive heartbeats go on.
 */
let server: http.Server;
let endpoint: string;
let requests = 0;
beforeAll(async () => {
  // Reads each request and never answers it.
  server = http.createServer((req) => {
    requests++;
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a Data API request left unanswered fails after the idle limit', async () => {
  const api = new DataApi(parseRedshiftUri(`redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${endpoint}`), {
    readTimeoutMs: 500,
    connectTimeoutMs: 1_000,
  });
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 10_000)));
  try {
    const outcome = await Promise.race([api.run(['SELECT 1']).then(() => 'answered', (err: Error) => `failed: ${err.message}`), waited]);
    expect(outcome).toMatch(/^failed: .*timed out after 500 ms of inactivity/);
    expect(requests).toBeGreaterThanOrEqual(1);
  } finally {
    clearTimeout(timer);
    api.close();
  }
}, 30_000);
