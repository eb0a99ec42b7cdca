/**
 * What the workflow sandbox evaluates: every module reached from src/workflows/index.ts by value
 * imports. The sandbox evaluates them again for each workflow, so a package there costs every run's
 * first workflow task its load time (zod took ~70 ms; docs/performance-log.md, orchestration overhead).
 */
import { importsOf } from './support/sourceImports';

/** The packages a module loads by value, directly or through the modules it loads under src/. */
function packagesLoadedFrom(entry: string): { modules: string[]; packages: string[] } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const { files, packages: used } = importsOf(file);
    for (const p of used) if (!p.typeOnly) packages.add(p.to);
    for (const f of files) if (!f.typeOnly) visit(f.to);
  };
  visit(entry);
  return { modules: [...seen].sort(), packages: [...packages].sort() };
}

describe('the workflow sandbox', () => {
  test('loads only the Temporal SDK: workflow inputs are checked by src/workflows/shape.ts, not zod', () => {
    const { modules, packages } = packagesLoadedFrom('workflows/index.ts');
    expect(modules).toEqual(expect.arrayContaining(['workflows/etl.ts', 'workflows/inputs.ts', 'workflows/shape.ts', 'etl/dates.ts']));
    expect(packages).toEqual(['@temporalio/common', '@temporalio/workflow']);
  });

  test('the walk finds a package loaded a few modules down (so the test above can fail)', () => {
    expect(packagesLoadedFrom('config.ts').packages).toContain('zod');
  });
});
