import { exitCodeAfter, isStopping, onShutdown, runCleanups } from '../../src/util/shutdown';

// Ctrl-C closes the command's connections while it is still awaiting them, so the command itself
// then fails ("Channel has been shut down"). The process must still end as interrupted (130).
describe('exit code after Ctrl-C', () => {
  const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // The signal handler adds one for errors thrown while stopping: not left in this test process.
  const uncaughtBefore = process.listeners('uncaughtException');
  afterAll(() => {
    exit.mockRestore();
    stderr.mockRestore();
    for (const listener of process.listeners('uncaughtException')) if (!uncaughtBefore.includes(listener)) process.off('uncaughtException', listener);
  });

  test('a command that fails because its connections were closed by Ctrl-C exits 130', async () => {
    expect(isStopping()).toBe(false);
    expect(exitCodeAfter(1)).toBe(1);
    expect(exitCodeAfter(0)).toBe(0);

    let closed = false;
    onShutdown(() => {
      closed = true;
    });
    process.emit('SIGINT', 'SIGINT');
    await runCleanups();
    await new Promise((resolve) => setImmediate(resolve)); // the handler exits once its cleanups settle

    expect(closed).toBe(true);
    expect(isStopping()).toBe(true);
    expect(exitCodeAfter(1)).toBe(130);
    expect(exit).toHaveBeenCalledWith(130);
    expect(exit).not.toHaveBeenCalledWith(1);
  });
});
