import { STAR_TABLES } from '../etl/dag';
import type { RunSummary } from '../etl/types';
import { textTable, visibleControls } from '../util/textTable';

// The CLI's table printer lives in util/ so the insights' terminal renderer can use it too.
export { textTable };

const STAGING_TABLES = ['staging_events', 'staging_songs'];

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`;
}

/** The run summary as a person reads it in a terminal. */
export function formatSummary(s: RunSummary): string {
  const window = s.window ? (s.window.from === s.window.to ? s.window.from : `${s.window.from} … ${s.window.to}`) : 'all files';
  const out: string[] = [];
  out.push(`Run ${s.workflowId} (${s.runId}) completed in ${seconds(s.durationMs)}`);
  out.push(`  source    ${s.source}`, `  warehouse ${s.warehouse}`, `  window    ${window}`, '');
  out.push(
    textTable(
      ['table', 'rows'],
      [...STAR_TABLES, ...STAGING_TABLES].map((t) => [t, s.tables[t] ?? null]),
    ),
    '',
  );
  const { events, songs } = s.staging;
  out.push(
    textTable(
      ['staged', 'files', 'read', 'staged', 'rejected'],
      [
        ['events', events.files, events.recordsRead, events.recordsStaged, events.recordsRejected],
        ['songs', songs.files, songs.recordsRead, songs.recordsStaged, songs.recordsRejected],
      ],
    ),
  );
  for (const r of s.rejected.samples) out.push(`  rejected ${r.sourceKey}:${r.sourceLine}: ${r.reason}`);
  if (s.rejected.count > 0) out.push('  (every rejected record is kept in etl_rejected_records)');
  if (s.datesWithoutLog && s.datesWithoutLog.count > 0) {
    const { count, samples } = s.datesWithoutLog;
    const more = count > samples.length ? ` and ${count - samples.length} more` : '';
    out.push('', `No event log for ${count} date${count === 1 ? '' : 's'} of the window (their published plays are kept): ${samples.join(', ')}${more}`);
  }
  if (s.skipped && s.skipped.count > 0) {
    out.push('', `Skipped ${s.skipped.count} file${s.skipped.count === 1 ? '' : 's'} (every one is listed in etl_skipped_files with its reason):`);
    for (const f of s.skipped.samples) out.push(`  skipped ${f.sourceKey}: ${f.reason}`);
    if (s.skipped.count > s.skipped.samples.length) out.push(`  … and ${s.skipped.count - s.skipped.samples.length} more`);
  }
  const m = s.matches;
  out.push(
    '',
    `Song matches: ${m.repairedMatches} of ${m.plays} plays (${(m.matchRate * 100).toFixed(2)}%) after text repair; ` +
      `${m.strictMatches} by the strict rule.` +
      (m.playsWithoutUser > 0 ? ` ${m.playsWithoutUser} plays had no user id (staged, not songplays).` : ''),
    '',
  );
  // A completed run has no failed error-level check (one would have failed the run): what fails here warns.
  const failing = s.checks.filter((c) => c.status === 'fail');
  out.push(`Quality checks: ${s.checks.length - failing.length} passed` + (failing.length > 0 ? `, ${failing.length} warning${failing.length === 1 ? '' : 's'}` : ''));
  for (const c of failing) {
    out.push(`  ${c.severity.toUpperCase()} ${c.name}: ${c.failingCount} failing${c.sampleKeys.length ? ` (${c.sampleKeys.join(', ')})` : ''}`);
  }
  if (s.report) out.push('', `Insights report: ${s.report}`);
  if (s.reportError) out.push('', `Insights report NOT written (the run's tables are published and checked): ${s.reportError}`);
  const timed = Object.entries(s.steps).filter(([, p]) => p.durationMs !== undefined);
  out.push('', 'Steps: ' + timed.map(([name, p]) => `${name} ${seconds(p.durationMs)}`).join(', '));
  // File names and reject reasons come from the data (a Redshift reason holds the raw value).
  return visibleControls(out.join('\n'), true);
}
