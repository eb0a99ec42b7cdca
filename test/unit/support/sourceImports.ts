/**
 * The imports of src/ as written in its sources: relative ones resolved to files under src/, and
 * package ones by name. Read from the text, so a new module is seen as soon as it exists.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SRC = path.resolve(__dirname, '../../../src');

export interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;

/** Every .ts file under src/, as a path relative to it with forward slashes. */
export function sourceFiles(): string[] {
  return (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
}

/** The file's imports of other files under src/ (resolved) and of packages (`to` is the package specifier). */
export function importsOf(file: string): { files: Import[]; packages: Import[] } {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const files: Import[] = [];
  const packages: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const typeOnly = Boolean(m[1]);
    if (!m[2].startsWith('.')) {
      packages.push({ from: file, to: m[2], typeOnly });
      continue;
    }
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[2]));
    const to = [`${base}.ts`, `${base}/index.ts`].find((c) => fs.existsSync(path.join(SRC, c)));
    if (to) files.push({ from: file, to, typeOnly });
  }
  return { files, packages };
}
