/**
 * The import graph of src/: no cycles, and every import points down the layers. Imports are read
 * from the sources (relative specifiers), so a new module is checked as soon as it exists.
 */
import { type Import, importsOf, sourceFiles } from './support/sourceImports';

/**
 * Layers, bottom first, by module (the first path segment under src/, or a longer prefix where a
 * folder's parts sit on different layers). A module may import its own layer or lower ones.
 */
const LAYERS: string[][] = [
  // staging/lineReader: a byte-level line splitter with no project imports, used by record parsing.
  ['errors', 'defaults', 'util', 'staging/lineReader'],
  ['etl', 'generate', 'notify/types'],
  ['config', 'log', 'source', 'warehouse', 'ledger', 'staging', 'quality', 'insights', 'metrics', 'temporal', 'doctor'],
  ['notify', 'activities', 'workflows', 'schedules'],
  ['worker', 'bench', 'chaos'],
  ['cli'],
];

/** Where workers are put together (and may load activities): the worker, the CLI's stack, benchmark and chaos tooling. */
const WORKER_COMPOSITION = /^(activities\/|worker\.ts|cli\/temporalStack\.ts|bench\/|chaos\/)/;

function layerOf(file: string): number {
  const name = file.replace(/\.ts$/, '');
  let best = { layer: -1, length: -1 };
  LAYERS.forEach((modules, layer) => {
    for (const m of modules) {
      if ((name === m || name.startsWith(`${m}/`)) && m.length > best.length) best = { layer, length: m.length };
    }
  });
  if (best.layer < 0) throw new Error(`src/${file} is in no layer: add its module to LAYERS in test/unit/layers.test.ts`);
  return best.layer;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Every import that breaks a rule, with the rule it breaks. */
function brokenRules(edges: Import[]): string[] {
  const broken: string[] = [];
  for (const i of edges) {
    const edge = `${i.from} -> ${i.to}`;
    if (layerOf(i.to) > layerOf(i.from)) broken.push(`${edge} (upward)`);
    if (i.from.startsWith('workflows/') && i.to.startsWith('activities/') && !i.typeOnly) broken.push(`${edge} (workflow code loads activities)`);
    if (i.to.startsWith('activities/') && !i.typeOnly && !WORKER_COMPOSITION.test(i.from)) broken.push(`${edge} (activities are reached through the worker)`);
  }
  return broken;
}

const files = sourceFiles();
const imports = files.flatMap((f) => importsOf(f).files);

describe('the import graph of src/', () => {
  test('is read: it has the modules and edges we know of', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports).toEqual(expect.arrayContaining([{ from: 'workflows/etl.ts', to: 'errors.ts', typeOnly: false }]));
    expect(imports).toEqual(expect.arrayContaining([{ from: 'workflows/etl.ts', to: 'activities/index.ts', typeOnly: true }]));
  });

  test('has no cycle', () => {
    const graph = new Map(files.map((f) => [f, imports.filter((i) => i.from === f).map((i) => i.to)]));
    expect(cycles(graph)).toEqual([]);
  });

  test('the cycle finder finds one (so the test above can fail)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  test('every import points down the layers; workflows reach activities by type only; only the worker and tooling load activities', () => {
    // No exceptions: an import that needs one goes through a lower module instead.
    expect(brokenRules(imports)).toEqual([]);
  });

  test('the rules catch each kind of break (so the test above can fail)', () => {
    expect(
      brokenRules([
        { from: 'cli/backfill.ts', to: 'activities/ledger.ts', typeOnly: false },
        { from: 'etl/types.ts', to: 'quality/checks.ts', typeOnly: true },
        { from: 'workflows/etl.ts', to: 'activities/index.ts', typeOnly: false },
        { from: 'workflows/etl.ts', to: 'activities/index.ts', typeOnly: true },
        { from: 'worker.ts', to: 'activities/index.ts', typeOnly: false },
      ]),
    ).toEqual([
      'cli/backfill.ts -> activities/ledger.ts (activities are reached through the worker)',
      'etl/types.ts -> quality/checks.ts (upward)',
      'workflows/etl.ts -> activities/index.ts (workflow code loads activities)',
      'workflows/etl.ts -> activities/index.ts (activities are reached through the worker)',
    ]);
  });
});
