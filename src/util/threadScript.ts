import fs from 'node:fs';
import path from 'node:path';

/**
 * The compiled script of a worker thread: `file` beside the module in `moduleDir` (the build), or,
 * where that module runs from src/ under ts-jest and there is none, the build's copy in
 * dist/`distDir` (the integration tests build dist/ first). Undefined when neither exists.
 */
export function compiledThreadScript(moduleDir: string, distDir: string, file: string): string | undefined {
  const beside = path.join(moduleDir, file);
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(moduleDir, '../../dist', distDir, file);
  return fs.existsSync(built) ? built : undefined;
}
