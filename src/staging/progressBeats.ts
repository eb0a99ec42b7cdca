import type { RecordKind } from '../etl/types';
import type { ReadProgress } from './rawLines';

/** Heartbeat at least this often while lines stream in, and while the warehouse works on them. */
export const PROGRESS_EVERY_MS = 5_000;
const PROGRESS_EVERY_LINES = 100_000;

/**
 * A staging's heartbeats, each with `details()`: sent when progress asks and one is due, and by a
 * timer while the warehouse works on its own.
 */
export class Beats {
  /** When the last heartbeat went (Date.now()). */
  lastBeat = Date.now();

  constructor(
    private readonly heartbeat: (details: unknown) => void,
    private readonly detailsOf: () => Record<string, unknown> = () => ({}),
  ) {}

  details(): Record<string, unknown> {
    return this.detailsOf();
  }

  /** A heartbeat now, with the details and `extra`. */
  beat(extra: Record<string, unknown> = {}): void {
    this.lastBeat = Date.now();
    this.heartbeat({ ...this.details(), ...extra });
  }

  /** A heartbeat if none went for PROGRESS_EVERY_MS. */
  beatIfDue(extra: Record<string, unknown> = {}): void {
    if (Date.now() - this.lastBeat >= PROGRESS_EVERY_MS) this.beat(extra);
  }

  /**
   * Runs `work` with a timer that beats whenever nothing else did for PROGRESS_EVERY_MS (with
   * `extra()`): while the warehouse works on its own, no progress comes to beat from, and a long
   * statement must not look like a dead worker.
   */
  async keptAlive<T>(work: () => Promise<T>, extra: () => Record<string, unknown> = () => ({})): Promise<T> {
    const timer = setInterval(() => this.beatIfDue(extra()), PROGRESS_EVERY_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * A staging's heartbeats from its read progress: the details name the file and line reached, and
 * `onProgress` (called after each batch of lines) sends them every PROGRESS_EVERY_MS or
 * PROGRESS_EVERY_LINES lines. `progress` starts at nothing read, for the reader to advance.
 */
export class ProgressBeats extends Beats {
  readonly progress: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
  private linesAtBeat = 0;

  constructor(
    private readonly kind: RecordKind,
    private readonly files: number,
    heartbeat: (details: unknown) => void,
  ) {
    super(heartbeat);
  }

  override details() {
    const { filesDone, lines, file, line } = this.progress;
    return { kind: this.kind, files: this.files, filesDone, lines, file, line };
  }

  readonly onProgress = (): void => {
    if (Date.now() - this.lastBeat >= PROGRESS_EVERY_MS || this.progress.lines - this.linesAtBeat >= PROGRESS_EVERY_LINES) {
      this.linesAtBeat = this.progress.lines;
      this.beat();
    }
  };
}
