/**
 * `schedule create` connected to Temporal and registered the search attributes on its namespace
 * before it checked its own settings: a wrong --at, --time-zone or warehouse was told only when a
 * server answered, after the namespace had been changed. `schedule update` parsed its --source and
 * --warehouse once connected too. Now both check what they are given first, and a wrong setting
 * never reaches the server: here one that counts every connection made to it.
 */
import net from 'node:net';
import { main } from '../../src/cli/main';
import { capturedOutput } from './support/capturedOutput';

const output = capturedOutput();
let server: net.Server;
let address: string;
let connections = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (connections = 0));
afterEach(() => delete process.env.SPARKIFY_WAREHOUSE);

const sparkify = (...args: string[]) => main(['node', 'sparkify', ...args, '--temporal', address]);

test.each([
  [['create', '--at', '25:00'], '--at: "25:00" is not a time of day in HH:MM form, e.g. 02:30'],
  [['create', '--time-zone', 'Mars/Olympus'], '--time-zone: "Mars/Olympus" is not an IANA time zone, e.g. UTC or Europe/Berlin'],
  [['create', '--at', '02:30', '--time-zone', 'Europe/Berlin'], '--at: '],
  [['create', '--warehouse', 'mysql://db/wh'], '--warehouse'],
  [['update', '--time-zone', 'Mars/Olympus'], '--time-zone: "Mars/Olympus" is not an IANA time zone, e.g. UTC or Europe/Berlin'],
  [['update', '--catchup-window', '1s'], '--catchup-window: "1s" is not a duration of at least 10 s, e.g. 1d or 12h'],
  [['update', '--warehouse', 'mysql://db/wh'], '--warehouse'],
])('schedule %j is refused before the server is reached', async (args, message) => {
  expect(await sparkify('schedule', ...args)).toBe(2);
  expect(output.stderr()).toContain(`sparkify: ${message}`);
  expect(connections).toBe(0);
});

test('schedule create names SPARKIFY_WAREHOUSE when the wrong warehouse came from it, before the server is reached', async () => {
  process.env.SPARKIFY_WAREHOUSE = 'mysql://db/wh';
  expect(await sparkify('schedule', 'create')).toBe(2);
  expect(output.stderr()).toContain('SPARKIFY_WAREHOUSE');
  expect(connections).toBe(0);
});
