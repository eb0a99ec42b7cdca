import fs from 'node:fs';
import type { UnitGlobals } from './globalSetup';

export default async function globalTeardown(): Promise<void> {
  const globals = (globalThis as { sparkifyUnit?: UnitGlobals }).sparkifyUnit;
  if (!globals) return;
  await globals.server.stop();
  fs.rmSync(globals.dir, { recursive: true, force: true });
}
