import type { createActivities } from '../../src/activities';

/**
 * A run of every file of the worker's default source, through its activities up to the songplays
 * publish: listed, staged, checked, text repaired, and songs, artists, users and time published.
 */
export async function publishedBeforeSongplays(activities: ReturnType<typeof createActivities>, ref: { runId: string; source: string; warehouse: string }): Promise<void> {
  await activities.createSchema(ref);
  await activities.listEventFiles({ ...ref, window: null });
  await activities.listSongFiles({ ...ref, window: null });
  const events = await activities.stageEvents({ ...ref, maxRejectRate: 1 });
  const songs = await activities.stageSongs({ ...ref, maxRejectRate: 1 });
  await activities.checkStagedData({ ...ref, staging: { events, songs }, failOnEmpty: false });
  await activities.repairText(ref);
  await Promise.all([activities.loadSongs(ref), activities.loadArtists(ref), activities.loadUsers(ref), activities.loadTime(ref)]);
}
