import { execFileSync } from 'node:child_process';

/** Whether cargo runs here: where it does, `npm run build` builds the native row encoder (scripts/native.sh). */
export function cargoOnPath(): boolean {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
