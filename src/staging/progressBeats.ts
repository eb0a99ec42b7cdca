import type { RecordKind } from '../etl/types';
import type { ReadProgress } from './rawLines';

/** Heartbeat at least this often while lines stream in, and while the warehouse works on them. */
export const PROGRESS_EVERY_MS = 5_000;
const PROGRESS_EVERY_LINES = 100_000;

/**
 * A staging's heartbeats from its read progress: the details name the file and line reached, and
 * `onProgress` (called after each batch of lines) sends them every PROGRESS_EVERY_MS or
 * PROGRESS_EVERY_LINES lines. `progress` starts at nothing read, for the reader to advance.
 */
export class ProgressBeats {
  readonly progress: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
  /** When the last heartbeat went (Date.now()). */
  lastBeat = Date.now();
  private linesAtBeat = 0;

  constructor(
    private readonly kind: RecordKind,
    private readonly files: number,
    private readonly heartbeat: (details: unknown) => void,
  ) {}

  details() {
    const { filesDone, lines, file, line } = this.progress;
    return { kind: this.kind, files: this.files, filesDone, lines, file, line };
  }

  readonly onProgress = (): void => {
    if (Date.now() - this.lastBeat >= PROGRESS_EVERY_MS || this.progress.lines - this.linesAtBeat >= PROGRESS_EVERY_LINES) {
      this.linesAtBeat = this.progress.lines;
      this.beat();
    }
  };

  /** A heartbeat now, with the details and `extra`. */
  beat(extra: Record<string, unknown> = {}): void {
    this.lastBeat = Date.now();
    this.heartbeat({ ...this.details(), ...extra });
  }
}
