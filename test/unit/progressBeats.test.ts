/**
 * A staging's heartbeats (src/staging/progressBeats.ts), on jest's fake clock: sent from progress
 * when due, and by a keepalive timer while the warehouse works alone, which stops with the work.
 */
import { Beats, PROGRESS_EVERY_MS, ProgressBeats } from '../../src/staging/progressBeats';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function recorded() {
  const sent: unknown[] = [];
  return { sent, heartbeat: (details: unknown) => sent.push(details) };
}

test('a beat if due: none before PROGRESS_EVERY_MS since the last, one after, with the details and extra', () => {
  const { sent, heartbeat } = recorded();
  const beats = new Beats(heartbeat, () => ({ kind: 'events' }));
  beats.beatIfDue();
  jest.advanceTimersByTime(PROGRESS_EVERY_MS - 1);
  beats.beatIfDue();
  expect(sent).toEqual([]);
  jest.advanceTimersByTime(1);
  beats.beatIfDue({ parsing: true });
  expect(sent).toEqual([{ kind: 'events', parsing: true }]);
});

test('kept alive: the timer beats while the work runs, not when progress just did, and stops with the work', async () => {
  const { sent, heartbeat } = recorded();
  const beats = new Beats(heartbeat, () => ({ kind: 'songs' }));
  let finish: (value: string) => void = () => undefined;
  const work = beats.keptAlive(() => new Promise<string>((resolve) => (finish = resolve)), () => ({ waiting: true }));

  jest.advanceTimersByTime(PROGRESS_EVERY_MS * 2);
  expect(sent).toEqual([
    { kind: 'songs', waiting: true },
    { kind: 'songs', waiting: true },
  ]);
  // A beat from progress just before the timer's tick: the tick has nothing to add.
  jest.advanceTimersByTime(PROGRESS_EVERY_MS - 10);
  beats.beat({ from: 'progress' });
  jest.advanceTimersByTime(10);
  expect(sent).toHaveLength(3);

  finish('done');
  await expect(work).resolves.toBe('done');
  jest.advanceTimersByTime(PROGRESS_EVERY_MS * 3);
  expect(sent).toHaveLength(3);
  expect(jest.getTimerCount()).toBe(0);
});

test('kept alive: a failing work stops the timer and its error comes through', async () => {
  const { heartbeat } = recorded();
  const beats = new Beats(heartbeat);
  await expect(beats.keptAlive(() => Promise.reject(new Error('COPY failed')))).rejects.toThrow('COPY failed');
  expect(jest.getTimerCount()).toBe(0);
});

test('progress beats name the file and line reached, every 100,000 lines even within PROGRESS_EVERY_MS', () => {
  const { sent, heartbeat } = recorded();
  const beats = new ProgressBeats('events', 3, heartbeat);
  Object.assign(beats.progress, { filesDone: 1, lines: 99_999, file: 'log_data/a.json', line: 40_000 });
  beats.onProgress();
  expect(sent).toEqual([]);
  Object.assign(beats.progress, { lines: 100_000, line: 40_001 });
  beats.onProgress();
  expect(sent).toEqual([{ kind: 'events', files: 3, filesDone: 1, lines: 100_000, file: 'log_data/a.json', line: 40_001 }]);
});
