/**
 * In-process write queues for an engine without table locks (DuckDB): a write names the tables it
 * writes and waits only for the earlier writes of the same database that write one of them (or
 * that named none, which wait for and hold off everything). Writes to different tables overlap, as
 * PostgreSQL's table locks let them; two upserts of the same table still queue, in arrival order.
 * Waiting only on earlier arrivals, a write can never wait on one that waits on it.
 */
interface QueuedWrite {
  /** The tables it writes; null: every table. */
  tables: ReadonlySet<string> | null;
  done: Promise<unknown>;
}

/** The writes of each database (by key) that have not ended, in arrival order. */
const queues = new Map<string, QueuedWrite[]>();

function overlaps(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  if (a === null || b === null) return true;
  for (const table of a) if (b.has(table)) return true;
  return false;
}

/** Runs `work` once every earlier write to `database` that shares a table with `tables` has ended (no tables: every earlier write). */
export async function queuedTableWrite<T>(database: string, work: () => Promise<T>, tables?: readonly string[]): Promise<T> {
  const mine = tables === undefined || tables.length === 0 ? null : new Set(tables);
  const queue = queues.get(database) ?? [];
  queues.set(database, queue);
  const before = queue.filter((w) => overlaps(w.tables, mine)).map((w) => w.done.catch(() => undefined));
  const current = Promise.all(before).then(work);
  const entry: QueuedWrite = { tables: mine, done: current };
  queue.push(entry);
  try {
    return await current;
  } finally {
    const left = queues.get(database);
    if (left) {
      const at = left.indexOf(entry);
      if (at >= 0) left.splice(at, 1);
      if (left.length === 0) queues.delete(database);
    }
  }
}
