/**
 * --notify-on without --notify-url is refused with a message that says where the URL can come from.
 * `schedule update` reads no SPARKIFY_NOTIFY_URL (it changes only what its command line gives), yet
 * its message told the user to set that variable, which it then ignored. The commands are refused
 * before any server is reached: here one that counts every connection made to it.
 */
import net from 'node:net';
import { main } from '../../src/cli/main';
import { capturedOutput } from './support/capturedOutput';

const output = capturedOutput();
let server: net.Server;
let address: string;
let connections = 0;
const savedUrl = process.env.SPARKIFY_NOTIFY_URL;

beforeAll(async () => {
  delete process.env.SPARKIFY_NOTIFY_URL;
  server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  if (savedUrl !== undefined) process.env.SPARKIFY_NOTIFY_URL = savedUrl;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => (connections = 0));

const sparkify = (...args: string[]) => main(['node', 'sparkify', ...args, '--notify-on', 'warning', '--temporal', address]);

test.each([
  [['run', '--date', '2018-11-01', '--source', 'data', '--warehouse', 'duckdb:wh.duckdb']],
  [['backfill', '--from', '2018-11-01', '--to', '2018-11-02']],
  [['schedule', 'create']],
])('%j without --notify-url names SPARKIFY_NOTIFY_URL, which it reads', async (args) => {
  expect(await sparkify(...args)).toBe(2);
  expect(output.stderr()).toContain('sparkify: --notify-on needs --notify-url (or SPARKIFY_NOTIFY_URL): where should the alert go?');
  expect(connections).toBe(0);
});

test('schedule update without --notify-url asks for it on the command line: it reads no SPARKIFY_NOTIFY_URL', async () => {
  expect(await sparkify('schedule', 'update')).toBe(2);
  expect(output.stderr()).toContain(
    'sparkify: --notify-on needs --notify-url: where should the alert go? This command takes the webhook from its command line only, not from SPARKIFY_NOTIFY_URL: give both',
  );
  expect(output.stderr()).not.toContain('(or SPARKIFY_NOTIFY_URL)');
  expect(connections).toBe(0);
});
