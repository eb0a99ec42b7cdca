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

function share(rows: { key: string; userId: number; plays: number }[]): AgentShare[] {
  const groups = new Map<string, { plays: number; users: Set<number> }>();
  for (const r of rows) {
    const g = groups.get(r.key) ?? { plays: 0, users: new Set<number>() };
    g.plays += r.plays;
    g.users.add(r.userId);
    groups.set(r.key, g);
  }
  return [...groups.entries()]
    .map(([name, g]) => ({ name, plays: g.plays, users: g.users.size }))
    .sort((a, b) => b.plays - a.plays || a.name.localeCompare(b.name));
}

/**
 * Plays and distinct users per platform and per browser, from plays grouped by user agent and
 * user (a user on two agents of one browser counts once). Each distinct agent is parsed once.
 */
export function summarizeUserAgents(rows: { userAgent: string; userId: number; plays: number }[]): { platforms: AgentShare[]; browsers: AgentShare[] } {
  const parsed = new Map<string, { platform: string; browser: string }>();
  const of = (ua: string) => {
    let p = parsed.get(ua);
    if (!p) parsed.set(ua, (p = parseUserAgent(ua)));
    return p;
  };
  return {
    platforms: share(rows.map((r) => ({ key: of(r.userAgent).platform, userId: r.userId, plays: r.plays }))),
    browsers: share(rows.map((r) => ({ key: of(r.userAgent).browser, userId: r.userId, plays: r.plays }))),
  };
}
