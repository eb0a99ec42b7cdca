import Bowser from 'bowser';

export interface AgentShare {
  name: string;
  plays: number;
  users: number;
}

const UNKNOWN = 'Unknown';

/** Platform (operating system) and browser of a user agent string, as bowser reads it. */
export function parseUserAgent(userAgent: string): { platform: string; browser: string } {
  if (userAgent.trim() === '') return { platform: UNKNOWN, browser: UNKNOWN };
  const parser = Bowser.getParser(userAgent);
  return { platform: parser.getOSName() || UNKNOWN, browser: parser.getBrowserName() || UNKNOWN };
}

/**
 * One row per agent with the plays and users of users who had only that agent (userId null), and
 * one row per (agent, user) for users who had several: so users stay exact without a row per user.
 */
export interface AgentRow {
  userAgent: string;
  userId: number | null;
  plays: number;
  users: number;
}

function share(rows: { key: string; row: AgentRow }[]): AgentShare[] {
  const groups = new Map<string, { plays: number; singleAgentUsers: number; otherUsers: Set<number> }>();
  for (const { key, row } of rows) {
    const g = groups.get(key) ?? { plays: 0, singleAgentUsers: 0, otherUsers: new Set<number>() };
    g.plays += row.plays;
    if (row.userId === null) g.singleAgentUsers += row.users;
    else g.otherUsers.add(row.userId);
    groups.set(key, g);
  }
  return [...groups.entries()]
    .map(([name, g]) => ({ name, plays: g.plays, users: g.singleAgentUsers + g.otherUsers.size }))
    .sort((a, b) => b.plays - a.plays || a.name.localeCompare(b.name));
}

/**
 * Plays and distinct users per platform and per browser (a user on two agents of one browser
 * counts once). Each distinct agent is parsed once.
 */
export function summarizeUserAgents(rows: AgentRow[]): { platforms: AgentShare[]; browsers: AgentShare[] } {
  const parsed = new Map<string, { platform: string; browser: string }>();
  const of = (ua: string) => {
    let p = parsed.get(ua);
    if (!p) parsed.set(ua, (p = parseUserAgent(ua)));
    return p;
  };
  return {
    platforms: share(rows.map((row) => ({ key: of(row.userAgent).platform, row }))),
    browsers: share(rows.map((row) => ({ key: of(row.userAgent).browser, row }))),
  };
}
