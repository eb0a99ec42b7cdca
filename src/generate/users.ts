import { Prng, deriveSeed } from './prng';
import { pyFloat, pyString } from './jsonFormat';
import {
  FIRST_NAMES_ACCENTED_F,
  FIRST_NAMES_ACCENTED_M,
  FIRST_NAMES_F,
  FIRST_NAMES_M,
  LAST_NAMES,
  LAST_NAMES_ACCENTED,
  USER_AGENTS,
  USER_LOCATIONS,
} from './names';

export type Level = 'free' | 'paid';

export interface User {
  index: number;
  userId: string;
  firstName: string;
  lastName: string;
  gender: 'F' | 'M';
  location: string;
  /** Epoch ms; written as a float like the real logs (`1540919166796.0`). */
  registration: number;
  userAgent: string;
  level: Level;
  /** Relative session rate; heavy-tailed so a few users dominate, as in the real logs. */
  activity: number;
  /** Sessions started so far. */
  sessions: number;
  /** The session (0-based count) in which the user upgrades or downgrades, if planned. */
  levelChangeSession: number | null;
  /** Pre-encoded log fragments for the fields that never change. */
  json: { firstName: string; lastName: string; gender: string; location: string; registration: string; userAgent: string; userId: string };
}

/** The real logs' timestamps all end in 796 ms; keep that clock offset. */
export const MS_OFFSET = 796;

/** `expectedSessions` is the mean number of sessions an average user has over the whole span. */
export function buildUsers(seed: number, count: number, startMs: number, expectedSessions: number): User[] {
  const rng = new Prng(deriveSeed(seed, 0x05e75));
  const users: User[] = [];
  // Names, locations and user agents come from short lists: encode each distinct value once and
  // share it, so a user costs a few hundred bytes (an escaped string built char by char is a
  // rope of one heap object per character, kilobytes per user agent when held per user).
  const fragments = new Map<string, string>();
  const encoded = (value: string): string => {
    let json = fragments.get(value);
    if (json === undefined) {
      json = pyString(value, true);
      fragments.set(value, json);
    }
    return json;
  };
  let nextId = 2;
  for (let i = 0; i < count; i++) {
    // Real user ids have gaps.
    if (rng.chance(0.08)) nextId++;
    const gender = rng.chance(0.6) ? 'F' : 'M';
    const firstName =
      i % 9 === 4
        ? rng.pick(gender === 'F' ? FIRST_NAMES_ACCENTED_F : FIRST_NAMES_ACCENTED_M)
        : rng.pick(gender === 'F' ? FIRST_NAMES_F : FIRST_NAMES_M);
    const lastName = i % 11 === 7 ? rng.pick(LAST_NAMES_ACCENTED) : rng.pick(LAST_NAMES);
    const registration = startMs - rng.range(3600, 60 * 86_400) * 1000 - (startMs % 1000) + MS_OFFSET;
    const user: User = {
      index: i,
      userId: String(nextId++),
      firstName,
      lastName,
      gender,
      location: rng.pick(USER_LOCATIONS),
      registration,
      userAgent: rng.pick(USER_AGENTS),
      level: rng.chance(0.25) ? 'paid' : 'free',
      activity: Math.exp(rng.normal() - 0.5),
      sessions: 0,
      levelChangeSession: null,
      json: { firstName: '', lastName: '', gender: '', location: '', registration: '', userAgent: '', userId: '' },
    };
    user.json = {
      firstName: encoded(user.firstName),
      lastName: encoded(user.lastName),
      gender: encoded(user.gender),
      location: encoded(user.location),
      registration: pyFloat(user.registration),
      userAgent: encoded(user.userAgent),
      userId: pyString(user.userId, true),
    };
    users.push(user);
  }
  // Normalise so the mean weight is exactly 1 and session-rate targets hold for small populations too.
  const meanActivity = users.reduce((sum, u) => sum + u.activity, 0) / users.length;
  for (const user of users) {
    user.activity /= meanActivity;
    // Active users are likelier to switch plans (and to show up at all in a short span).
    if (rng.chance(Math.min(0.8, 0.2 * user.activity))) {
      user.levelChangeSession = rng.int(Math.max(1, Math.ceil(expectedSessions * user.activity)));
    }
  }
  return users;
}
