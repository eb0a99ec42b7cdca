/**
 * The rule etlRun's parallel branches follow (src/workflows/branches.ts): once a step of any
 * branch has failed, no branch starts another step; until then, next steps start as usual.
 */
import { Branches } from '../../src/workflows/branches';

test('next steps start while every step so far has succeeded', async () => {
  const branches = new Branches();
  const started: string[] = [];
  const first = await branches.add(Promise.resolve('listed'));
  const second = await branches.next('stage', async () => {
    started.push('stage');
    return `${first}, staged`;
  });
  expect(second).toBe('listed, staged');
  expect(started).toEqual(['stage']);
});

test('after a step of one branch fails, the other branch starts no further step, and the failure comes through as it was', async () => {
  const branches = new Branches();
  const started: string[] = [];
  let finishSongs: (value: string) => void = () => undefined;
  const songs = branches.add(new Promise<string>((resolve) => (finishSongs = resolve))).then(() =>
    branches.next('stageSongs', async () => {
      started.push('stageSongs');
    }),
  );
  const failure = new Error('listing the event logs failed');
  await expect(branches.add(Promise.reject(failure))).rejects.toBe(failure);
  finishSongs('songs listed');
  await expect(songs).rejects.toThrow('stageSongs not started: a step beside it failed');
  expect(started).toEqual([]);
});

test('a step already running when another fails is not stopped: only steps not yet started are', async () => {
  const branches = new Branches();
  let finish: () => void = () => undefined;
  const running = branches.next('loadArtists', () => new Promise<string>((resolve) => (finish = () => resolve('published'))));
  await expect(branches.add(Promise.reject(new Error('loadUsers failed')))).rejects.toThrow('loadUsers failed');
  finish();
  await expect(running).resolves.toBe('published');
});
