import type { RunWindow } from '../etl/types';
import type { Chart, InsightReport, Section } from './model';
import type { InsightData } from './queries';
import { argMax, argMin, count, hourLabel, percent, plural, share, WEEKDAYS } from './text';
import { describeWindow } from './window';

const NO_PLAYS = 'No plays in this window.';

/** How much of a top list as played the catalogue covers: rows with any matched play, and matched plays. */
function catalogueCoverage(rows: { plays: number; matchedPlays: number }[], what: string): string {
  const plays = rows.reduce((s, r) => s + r.plays, 0);
  const matched = rows.reduce((s, r) => s + r.matchedPlays, 0);
  const covered = rows.filter((r) => r.matchedPlays > 0).length;
  return `Catalogue coverage of these top ${rows.length}: ${covered} of the ${plural(rows.length, what)} had a play matched to the catalogue, and ${plural(matched, 'play')} of their ${count(plays)} (${percent(share(matched, plays))}) matched.`;
}

function activity(data: InsightData): Section {
  const { daily, byHour, byWeekday } = data.activity;
  const hours = Array.from({ length: 24 }, (_, h) => byHour.find((r) => r.hour === h)?.plays ?? 0);
  const weekdays = WEEKDAYS.map((_, d) => byWeekday.find((r) => r.weekday === d)?.plays ?? 0);
  const totalPlays = daily.reduce((s, d) => s + d.plays, 0);
  const busiest = argMax(daily.map((d) => d.plays));
  const peakHour = argMax(hours);
  const topDay = argMax(weekdays);
  const lowDay = argMin(weekdays);
  const avgUsers = daily.length === 0 ? 0 : daily.reduce((s, d) => s + d.activeUsers, 0) / daily.length;
  const charts: Chart[] = [
    {
      id: 'plays-per-day',
      title: 'Plays per day',
      kind: 'column',
      xLabel: 'Day (UTC)',
      yLabel: 'Plays',
      categories: daily.map((d) => d.day),
      series: [{ name: 'Plays', values: daily.map((d) => d.plays) }],
      takeaway:
        busiest < 0
          ? NO_PLAYS
          : `The busiest day was ${daily[busiest].day} with ${plural(daily[busiest].plays, 'play')}, against ${count(totalPlays / daily.length)} on an average day.`,
    },
    {
      id: 'daily-active-users',
      title: 'Daily active users',
      kind: 'line',
      xLabel: 'Day (UTC)',
      yLabel: 'Users with a play',
      categories: daily.map((d) => d.day),
      series: [{ name: 'Active users', values: daily.map((d) => d.activeUsers) }],
      takeaway:
        daily.length === 0
          ? NO_PLAYS
          : `On average ${avgUsers.toFixed(1)} users played something each day, between ${Math.min(...daily.map((d) => d.activeUsers))} and ${Math.max(...daily.map((d) => d.activeUsers))}.`,
    },
    {
      id: 'plays-by-hour',
      title: 'Plays by hour of day',
      kind: 'column',
      xLabel: 'Hour of day (UTC)',
      yLabel: 'Plays',
      categories: hours.map((_, h) => String(h).padStart(2, '0')),
      series: [{ name: 'Plays', values: hours }],
      takeaway:
        totalPlays === 0
          ? NO_PLAYS
          : `Listening peaks at ${hourLabel(peakHour)} UTC (${percent(share(hours[peakHour], totalPlays))} of plays) and is quietest at ${hourLabel(argMin(hours))} UTC.`,
    },
    {
      id: 'plays-by-weekday',
      title: 'Plays by weekday',
      kind: 'column',
      xLabel: 'Weekday (UTC)',
      yLabel: 'Plays',
      categories: WEEKDAYS.map((d) => d.slice(0, 3)),
      series: [{ name: 'Plays', values: weekdays }],
      takeaway:
        totalPlays === 0
          ? NO_PLAYS
          : `${WEEKDAYS[topDay]}s had the most plays (${count(weekdays[topDay])}) and ${WEEKDAYS[lowDay]}s the fewest (${count(weekdays[lowDay])}); the window may not hold every weekday equally often.`,
    },
  ];
  return { id: 'activity', title: 'Activity', notes: [], charts, tables: [] };
}

function content(data: InsightData): Section {
  const c = data.content;
  const matchedShare = share(c.matchedPlays, c.plays);
  const coverage =
    c.plays === 0
      ? NO_PLAYS
      : `Built on the ${plural(c.matchedPlays, 'play')} matched to a song: ${percent(matchedShare)} of ${plural(c.plays, 'play')}; ` +
        `${plural(c.unmatchedPlays, 'play')} could not be matched to the catalogue${matchedShare < 0.5 ? ', so this list does not show what most people played' : ''}.`;
  const unnamedPlays = c.plays - c.namedPlays;
  // A warehouse loaded before play names were kept (etl_songplay_names) has plays the played lists cannot name.
  const unnamed =
    unnamedPlays > 0
      ? [
          `The "as the plays name them" lists leave out ${plural(unnamedPlays, 'play')} (${percent(share(unnamedPlays, c.plays))}) published before ` +
            'play names were kept; run `sparkify backfill` over their days to include them.',
        ]
      : [];
  const dailyRates = c.matchDaily.map((d) => share(d.matchedPlays, d.plays));
  const charts: Chart[] = [
    {
      id: 'played-songs',
      title: 'Most played songs, as the plays name them (catalogue or not)',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Song (title — artist, as played)',
      categories: c.playedSongs.map((s) => `${s.title} — ${s.artist}`),
      series: [{ name: 'Plays', values: c.playedSongs.map((s) => s.plays) }],
      takeaway:
        c.playedSongs.length === 0
          ? NO_PLAYS
          : `"${c.playedSongs[0].title}" by ${c.playedSongs[0].artist} was played most (${plural(c.playedSongs[0].plays, 'play')} by ${plural(c.playedSongs[0].listeners, 'listener')}), counted by the title each play names. ` +
            catalogueCoverage(c.playedSongs, 'song'),
    },
    {
      id: 'played-artists',
      title: 'Most played artists, as the plays name them (catalogue or not)',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Artist (as played)',
      categories: c.playedArtists.map((a) => a.name),
      series: [{ name: 'Plays', values: c.playedArtists.map((a) => a.plays) }],
      takeaway:
        c.playedArtists.length === 0
          ? NO_PLAYS
          : `${c.playedArtists[0].name} was played most (${plural(c.playedArtists[0].plays, 'play')} by ${plural(c.playedArtists[0].listeners, 'listener')}), counted by the artist each play names. ` +
            catalogueCoverage(c.playedArtists, 'artist'),
    },
    {
      id: 'top-songs',
      title: 'Top catalogue songs (plays matched to the catalogue only)',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Song',
      categories: c.topSongs.map((s) => `${s.title}${s.artist ? ` — ${s.artist}` : ''}`),
      series: [{ name: 'Plays', values: c.topSongs.map((s) => s.plays) }],
      takeaway:
        c.plays === 0
          ? NO_PLAYS
          : c.topSongs.length === 0
            ? `No play was matched to a song; ${plural(c.unmatchedPlays, 'play')} could not be matched to the catalogue.`
            : `"${c.topSongs[0].title}" leads with ${plural(c.topSongs[0].plays, 'play')}, but ${plural(c.unmatchedPlays, 'play')} (${percent(share(c.unmatchedPlays, c.plays))}) could not be matched to a song and count in no list.`,
    },
    {
      id: 'top-artists',
      title: 'Top catalogue artists (plays matched to the catalogue only)',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Artist',
      categories: c.topArtists.map((a) => a.name ?? a.artistId),
      series: [{ name: 'Plays', values: c.topArtists.map((a) => a.plays) }],
      takeaway:
        c.plays === 0
          ? NO_PLAYS
          : c.topArtists.length === 0
            ? `No play was matched to an artist; ${plural(c.unmatchedPlays, 'play')} had no match.`
            : `${c.topArtists[0].name ?? c.topArtists[0].artistId} leads with ${plural(c.topArtists[0].plays, 'play')}; like the song list, this covers only the ${percent(matchedShare)} of plays that matched.`,
    },
    {
      id: 'match-rate-per-day',
      title: 'Song match rate per day',
      kind: 'line',
      xLabel: 'Day (UTC)',
      yLabel: 'Plays matched to a song',
      categories: c.matchDaily.map((d) => d.day),
      series: [{ name: 'Match rate', values: dailyRates }],
      percent: true,
      takeaway:
        c.plays === 0
          ? NO_PLAYS
          : `Overall ${percent(matchedShare)} of plays matched a song, ranging from ${percent(Math.min(...dailyRates))} to ${percent(Math.max(...dailyRates))} per day.`,
    },
  ];
  return {
    id: 'content',
    title: 'Content',
    notes: [
      'Two kinds of list: "as the plays name them" counts every play by the title and artist it carries (repaired text); ' +
        '"catalogue" lists count only the plays matched to a song in the catalogue, by its song and artist ids.',
      coverage,
      ...unnamed,
    ],
    charts,
    tables: [
      {
        title: 'Most played songs, as the plays name them',
        columns: ['song (as played)', 'artist (as played)', 'plays', 'listeners', 'plays matched to the catalogue'],
        rows: c.playedSongs.map((s) => [s.title, s.artist, s.plays, s.listeners, s.matchedPlays]),
      },
      {
        title: 'Most played artists, as the plays name them',
        columns: ['artist (as played)', 'plays', 'listeners', 'plays matched to the catalogue'],
        rows: c.playedArtists.map((a) => [a.name, a.plays, a.listeners, a.matchedPlays]),
      },
      {
        title: 'Top catalogue songs (matched plays only)',
        columns: ['song', 'artist', 'plays', 'listeners'],
        rows: c.topSongs.map((s) => [s.title, s.artist, s.plays, s.listeners]),
      },
    ],
  };
}

function revenue(data: InsightData): Section {
  const r = data.revenue;
  const levels = ['free', 'paid'];
  const of = (level: string) => r.byLevel.find((l) => l.level === level) ?? { level, plays: 0, users: 0 };
  const totalPlays = r.byLevel.reduce((s, l) => s + l.plays, 0);
  const totalUsers = r.byLevel.reduce((s, l) => s + l.users, 0);
  const paid = of('paid');
  const paidDaily = r.daily.map((d) => share(d.paidPlays, d.paidPlays + d.freePlays));
  const sum = (key: 'levelUpgrades' | 'levelDowngrades' | 'submitUpgrades' | 'submitDowngrades') => r.levelChanges.reduce((s, d) => s + d[key], 0);
  const charts: Chart[] = [
    {
      id: 'level-share',
      title: 'Free and paid: share of plays and of users',
      kind: 'column',
      xLabel: 'Level',
      yLabel: 'Share',
      categories: levels,
      series: [
        { name: 'Plays', values: levels.map((l) => share(of(l).plays, totalPlays)) },
        { name: 'Users (level at last play)', values: levels.map((l) => share(of(l).users, totalUsers)) },
      ],
      percent: true,
      takeaway:
        totalPlays === 0
          ? NO_PLAYS
          : `Paid users are ${percent(share(paid.users, totalUsers))} of listeners but account for ${percent(share(paid.plays, totalPlays))} of plays.`,
    },
    {
      id: 'paid-share-per-day',
      title: "Paid users' share of plays per day",
      kind: 'line',
      xLabel: 'Day (UTC)',
      yLabel: 'Share of plays on paid',
      categories: r.daily.map((d) => d.day),
      series: [{ name: 'Paid share', values: paidDaily }],
      percent: true,
      takeaway:
        r.daily.length === 0
          ? NO_PLAYS
          : `Paid plays made up between ${percent(Math.min(...paidDaily))} and ${percent(Math.max(...paidDaily))} of a day's plays.`,
    },
    {
      id: 'upgrades-downgrades',
      title: 'Upgrades and downgrades per day',
      kind: 'column',
      xLabel: 'Day (UTC)',
      yLabel: 'Level changes',
      categories: r.levelChanges.map((d) => d.day),
      series: [
        { name: 'Upgrades (free → paid)', values: r.levelChanges.map((d) => d.levelUpgrades) },
        { name: 'Downgrades (paid → free)', values: r.levelChanges.map((d) => d.levelDowngrades) },
      ],
      takeaway:
        r.levelChanges.length === 0
          ? 'No events in this window.'
          : `${plural(sum('levelUpgrades'), 'upgrade')} and ${plural(sum('levelDowngrades'), 'downgrade')} by level change; ` +
            `the app logged ${plural(sum('submitUpgrades'), '"Submit Upgrade" event')} and ${plural(sum('submitDowngrades'), '"Submit Downgrade" event')}.`,
    },
  ];
  return {
    id: 'revenue',
    title: 'Revenue',
    notes: ['Users are counted by the level of their last play in the window, so each user counts once.'],
    charts,
    tables: [
      {
        title: 'Days with a level change or a submitted upgrade or downgrade',
        columns: ['day', 'upgrades', 'downgrades', 'Submit Upgrade', 'Submit Downgrade'],
        rows: r.levelChanges
          .filter((d) => d.levelUpgrades + d.levelDowngrades + d.submitUpgrades + d.submitDowngrades > 0)
          .map((d) => [d.day, d.levelUpgrades, d.levelDowngrades, d.submitUpgrades, d.submitDowngrades]),
      },
    ],
  };
}

function mostCommon(buckets: { label: string; count: number }[], total: number, noun: string): string {
  const i = argMax(buckets.map((b) => b.count));
  return total === 0 ? NO_PLAYS : `The most common is ${buckets[i].label} (${percent(share(buckets[i].count, total))} of ${noun}).`;
}

function engagement(data: InsightData): Section {
  const e = data.engagement;
  const fullName = (u: (typeof e.topUsers)[number]) => [u.firstName, u.lastName].filter(Boolean).join(' ') || `user ${u.userId}`;
  const charts: Chart[] = [
    {
      id: 'session-lengths',
      title: 'Session length',
      kind: 'column',
      xLabel: 'Time from first to last play in a session',
      yLabel: 'Sessions',
      categories: e.sessionLengths.map((b) => b.label),
      series: [{ name: 'Sessions', values: e.sessionLengths.map((b) => b.count) }],
      takeaway: mostCommon(e.sessionLengths, e.sessions, 'sessions'),
    },
    {
      id: 'plays-per-session',
      title: 'Plays per session',
      kind: 'column',
      xLabel: 'Plays in the session',
      yLabel: 'Sessions',
      categories: e.playsPerSession.map((b) => b.label),
      series: [{ name: 'Sessions', values: e.playsPerSession.map((b) => b.count) }],
      takeaway:
        e.sessions === 0
          ? NO_PLAYS
          : `A session holds ${(e.plays / e.sessions).toFixed(1)} plays on average (at most ${count(e.maxPlaysPerSession)}). ${mostCommon(e.playsPerSession, e.sessions, 'sessions')}`,
    },
    {
      id: 'sessions-per-user',
      title: 'Sessions per user',
      kind: 'column',
      xLabel: 'Sessions with a play',
      yLabel: 'Users',
      categories: e.sessionsPerUser.map((b) => b.label),
      series: [{ name: 'Users', values: e.sessionsPerUser.map((b) => b.count) }],
      takeaway:
        e.users === 0
          ? NO_PLAYS
          : `Each user had ${(e.sessions / e.users).toFixed(1)} sessions on average. ${mostCommon(e.sessionsPerUser, e.users, 'users')}`,
    },
    {
      id: 'most-active-users',
      title: 'Most active users',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'User',
      categories: e.topUsers.map((u) => `${fullName(u)} (${u.userId}, ${u.level ?? '?'})`),
      series: [{ name: 'Plays', values: e.topUsers.map((u) => u.plays) }],
      takeaway:
        e.topUsers.length === 0
          ? NO_PLAYS
          : `The top ${plural(e.topUsers.length, 'user')} played ${percent(share(e.topUsers.reduce((s, u) => s + u.plays, 0), e.plays))} of everything; ${fullName(e.topUsers[0])} alone played ${count(e.topUsers[0].plays)}.`,
    },
  ];
  return {
    id: 'engagement',
    title: 'Engagement',
    notes: ['A session is one user\'s session id; its length runs from its first play to its last (a one-play session lasts 0 s).'],
    charts,
    tables: [
      {
        title: 'Most active users',
        columns: ['user', 'name', 'level', 'plays', 'sessions'],
        rows: e.topUsers.map((u) => [u.userId, fullName(u), u.level, u.plays, u.sessions]),
      },
    ],
  };
}

function audience(data: InsightData): Section {
  const a = data.audience;
  const plays = a.platforms.reduce((s, p) => s + p.plays, 0);
  const lead = (list: { name: string; plays: number; users: number }[], noun: string) =>
    list.length === 0 ? NO_PLAYS : `${list[0].name} leads the ${noun} with ${percent(share(list[0].plays, plays))} of plays from ${plural(list[0].users, 'user')}.`;
  const charts: Chart[] = [
    {
      id: 'top-locations',
      title: 'Top locations by plays',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Metro area',
      categories: a.locations.map((l) => l.location),
      series: [{ name: 'Plays', values: a.locations.map((l) => l.plays) }],
      takeaway:
        a.locations.length === 0
          ? NO_PLAYS
          : `${a.locations[0].location} is the biggest audience: ${percent(share(a.locations[0].plays, plays))} of plays from ${plural(a.locations[0].users, 'user')}.`,
    },
    {
      id: 'platforms',
      title: 'Platforms',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Operating system',
      categories: a.platforms.map((p) => p.name),
      series: [{ name: 'Plays', values: a.platforms.map((p) => p.plays) }],
      takeaway: lead(a.platforms, 'platforms'),
    },
    {
      id: 'browsers',
      title: 'Browsers',
      kind: 'bar',
      xLabel: 'Plays',
      yLabel: 'Browser',
      categories: a.browsers.map((b) => b.name),
      series: [{ name: 'Plays', values: a.browsers.map((b) => b.plays) }],
      takeaway: lead(a.browsers, 'browsers'),
    },
  ];
  return { id: 'audience', title: 'Audience', notes: ['Platforms and browsers are read from the user agent with bowser.'], charts, tables: [] };
}

function runLabel(startedAt: string | null, runId: string): string {
  return startedAt ? startedAt.slice(0, 16).replace('T', ' ') : runId.slice(0, 8);
}

function operations(data: InsightData): Section {
  const o = data.operations;
  const rejectedByRun = new Map<string, number>();
  for (const r of o.rejected) rejectedByRun.set(r.runId, (rejectedByRun.get(r.runId) ?? 0) + r.records);
  const rejectedTotal = [...rejectedByRun.values()].reduce((s, n) => s + n, 0);
  const last = o.runs[o.runs.length - 1];
  const withoutReport = o.runs.filter((r) => r.reportError !== null).length;
  const reportUnrecorded = o.runs.filter((r) => !r.reportRecorded).length;
  const failedChecks = o.quality.reduce((s, q) => s + q.failed, 0);
  const warnedChecks = o.quality.reduce((s, q) => s + q.warned, 0);
  const charts: Chart[] = [
    {
      id: 'rows-loaded-per-run',
      title: 'Rows loaded per run',
      kind: 'column',
      xLabel: 'Run start (UTC)',
      yLabel: 'Rows',
      categories: o.runs.map((r) => runLabel(r.startedAt, r.runId)),
      series: [
        { name: 'Events staged', values: o.runs.map((r) => r.eventsStaged) },
        { name: 'Songs staged', values: o.runs.map((r) => r.songsStaged) },
        { name: 'Plays published', values: o.runs.map((r) => r.plays) },
      ],
      takeaway:
        o.runs.length === 0
          ? 'No completed run is recorded in etl_runs yet.'
          : `${plural(o.runs.length, 'completed run')}; the latest (${last.window}) staged ${plural(last.eventsStaged, 'event')} and ${plural(last.songsStaged, 'song')} and published ${plural(last.plays, 'play')}.` +
            (withoutReport === 0 ? '' : ` Reports not written: ${plural(withoutReport, 'run')} (the Runs table says why).`) +
            (reportUnrecorded === 0
              ? ''
              : ` Whether their reports were written is not recorded for ${plural(reportUnrecorded, 'run')}, recorded before etl_runs had its report_error column (the next run of this release adds it where it is missing).`),
    },
    {
      id: 'rejected-per-run',
      title: 'Rejected records per run',
      kind: 'column',
      xLabel: 'Run start (UTC)',
      yLabel: 'Rejected records',
      categories: o.runs.map((r) => runLabel(r.startedAt, r.runId)),
      series: [{ name: 'Rejected', values: o.runs.map((r) => rejectedByRun.get(r.runId) ?? r.rejected) }],
      takeaway:
        rejectedTotal === 0
          ? 'No record has been rejected by any run.'
          : `${plural(rejectedTotal, 'record')} rejected in all, each kept with its reason in etl_rejected_records.`,
    },
    {
      id: 'quality-per-run',
      title: 'Quality-check outcomes per run',
      kind: 'column',
      xLabel: 'Run start (UTC)',
      yLabel: 'Checks',
      categories: o.quality.map((q) => runLabel(q.startedAt, q.runId)),
      series: [
        { name: 'Passed', values: o.quality.map((q) => q.passed) },
        { name: 'Warned', values: o.quality.map((q) => q.warned) },
        { name: 'Failed (error)', values: o.quality.map((q) => q.failed) },
      ],
      takeaway:
        o.quality.length === 0
          ? 'No quality checks have run yet.'
          : `Over ${plural(o.quality.length, 'run')}: ${plural(failedChecks, 'error-level failure')} and ${plural(warnedChecks, 'warning')}.`,
    },
  ];
  return {
    id: 'operations',
    title: 'Operations',
    notes: ['Every run recorded in the warehouse, whatever the report window.'],
    charts,
    tables: [
      {
        title: 'Runs',
        columns: ['started (UTC)', 'window', 'events', 'songs', 'plays', 'rejected', 'report'],
        rows: o.runs.map((r) => [
          runLabel(r.startedAt, r.runId),
          r.window,
          r.eventsStaged,
          r.songsStaged,
          r.plays,
          rejectedByRun.get(r.runId) ?? r.rejected,
          !r.reportRecorded ? 'not recorded' : r.reportError === null ? 'written' : `NOT written: ${r.reportError}`,
        ]),
      },
    ],
  };
}

/** Turns the numbers into the report: sections of charts, each with its takeaway. */
export function buildReport(data: InsightData, meta: { warehouse: string; window: RunWindow | null; generatedAt?: Date }): InsightReport {
  const plays = data.content.plays;
  const paid = data.revenue.byLevel.find((l) => l.level === 'paid')?.plays ?? 0;
  return {
    title: 'Sparkify insights',
    generatedAt: (meta.generatedAt ?? new Date()).toISOString(),
    warehouse: meta.warehouse,
    window: meta.window,
    windowLabel: describeWindow(meta.window),
    headline: [
      { label: 'Plays', value: count(plays) },
      { label: 'Listeners', value: count(data.engagement.users) },
      { label: 'Sessions', value: count(data.engagement.sessions) },
      { label: 'Plays on paid', value: percent(share(paid, plays)) },
      { label: 'Plays matched to a song', value: percent(share(data.content.matchedPlays, plays)) },
    ],
    sections: [activity(data), content(data), revenue(data), engagement(data), audience(data), operations(data)],
    data,
  };
}
