/**
 * Holds the DAG's declared tables (src/etl/dag.ts) to an order of its steps: every step that writes
 * what a step reads ran before it, nothing writes what a step reads as earlier runs left it while
 * that step runs, and no step that clears a table (staging retention: with a retention of 0 days,
 * the run's own rows too) runs before a step that reads the run's rows of it. Steps of different
 * record kinds (StepTables.kind) do not meet in the tables whose rows carry the kind.
 */
import { KIND_ROW_TABLES, type StepTables, type Table } from '../../../src/etl/dag';

/** Whether step `a` ended before step `b` began. */
export type RanBefore = (a: string, b: string) => boolean;

/** Every way the order breaks the declared dependencies, one line each (none: it keeps them). */
export function dependencyProblems(dag: Record<string, StepTables>, ranBefore: RanBefore): string[] {
  const steps = Object.keys(dag);
  // Steps of different record kinds touch different rows of a table that holds both kinds.
  const otherKinds = (a: string, b: string, table: Table) =>
    KIND_ROW_TABLES.includes(table) && dag[a].kind !== undefined && dag[b].kind !== undefined && dag[a].kind !== dag[b].kind;
  const writers = (table: Table, except: string) =>
    steps.filter((w) => w !== except && !otherKinds(w, except, table) && ([...dag[w].writes, ...(dag[w].clears ?? [])] as Table[]).includes(table));
  const problems: string[] = [];
  for (const step of steps) {
    const { reads, readsEarlierRuns = [] } = dag[step];
    for (const table of reads) {
      for (const w of writers(table, step).filter((w) => dag[w].writes.includes(table))) {
        if (!ranBefore(w, step)) problems.push(`${step} reads ${table}, which ${w} writes, and ${w} does not run before it`);
      }
    }
    for (const table of reads) {
      for (const c of steps.filter((c) => c !== step && (dag[c].clears ?? []).includes(table))) {
        if (ranBefore(c, step)) problems.push(`${step} reads ${table}, which ${c} may clear, and ${c} runs before it`);
      }
    }
    for (const table of [...reads, ...readsEarlierRuns]) {
      for (const w of writers(table, step)) {
        if (!ranBefore(w, step) && !ranBefore(step, w)) problems.push(`${step} reads ${table} while ${w} writes it`);
      }
    }
  }
  return problems;
}

/** The order of a list of stages, each a set of steps that run at once. */
export function stagesOrder(stages: string[][]): RanBefore {
  const stage = new Map(stages.flatMap((group, i) => group.map((s) => [s, i] as const)));
  return (a, b) => stage.get(a)! < stage.get(b)!;
}
