/** What a data-quality check is, as data (declared in src/quality/checks.ts, run by src/quality/runner.ts). */

export type Severity = 'error' | 'warn';

export type CheckRule =
  | { kind: 'not_null'; table: string; column: string }
  | { kind: 'unique'; table: string; column: string }
  | { kind: 'references'; table: string; column: string; refTable: string; refColumn: string }
  | { kind: 'accepted_values'; table: string; column: string; values: string[] }
  /** This run's staged rows equal the records read from the source minus those rejected. */
  | { kind: 'staging_reconciliation'; table: 'staging_events' | 'staging_songs' }
  /** This run's plays that matched a song, as a share of its plays, is at least `min`. */
  | { kind: 'match_rate'; min: number }
  /** This run staged at least one event (an empty or missing day is worth saying). */
  | { kind: 'run_has_events' }
  /** This run staged no event whose page is NextSong but for case or spaces: such an event is no play. */
  | { kind: 'pages_like_next_song' };

export interface CheckDefinition {
  name: string;
  severity: Severity;
  description: string;
  rule: CheckRule;
}
