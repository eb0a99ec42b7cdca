import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Python tools the tests use, pinned. They are installed from PyPI into one virtual environment
 * under ~/.cache/sparkify-etl/ the first time a test needs them; a change of pins gets a new one.
 */
export const PYTHON_TOOLS = ['cfn-lint==1.58.0', 'moto[server]==5.2.5'] as const;

const CACHE_DIR = path.join(os.homedir(), '.cache', 'sparkify-etl');
const VENV_DIR = path.join(CACHE_DIR, `python-tools-${PYTHON_TOOLS.join('_').replace(/[^A-Za-z0-9.=_-]/g, '')}`);
const READY_MARKER = path.join(VENV_DIR, '.installed');

export interface PythonTools {
  /** The venv's bin directory: `cfn-lint` and `moto_server` live there. */
  binDir: string;
  python: string;
}

function bin(name: string): string {
  return path.join(VENV_DIR, 'bin', name);
}

/** Fails with what to do, never silently: a test that needs these tools must not be skipped. */
class PythonToolsError extends Error {}

let installing: Promise<PythonTools> | undefined;

async function install(): Promise<PythonTools> {
  const tools = { binDir: path.join(VENV_DIR, 'bin'), python: bin('python') };
  if (fs.existsSync(READY_MARKER)) return tools;
  const python = process.env.PYTHON ?? 'python3';
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Another jest worker may be installing the same venv: a lock directory makes the second one wait.
  const lock = `${VENV_DIR}.lock`;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (fs.existsSync(READY_MARKER)) return tools;
      if (Date.now() > deadline) throw new PythonToolsError(`gave up waiting for ${lock} (remove it if no install is running)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (fs.existsSync(READY_MARKER)) return tools;
    fs.rmSync(VENV_DIR, { recursive: true, force: true });
    try {
      await run(python, ['-m', 'venv', VENV_DIR]);
    } catch (err) {
      throw new PythonToolsError(
        `could not create a Python virtual environment with "${python} -m venv ${VENV_DIR}" ` +
          `(install python3 and python3-venv, or set PYTHON): ${(err as Error).message}`,
      );
    }
    try {
      await run(bin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_TOOLS], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new PythonToolsError(`could not pip install ${PYTHON_TOOLS.join(' ')} into ${VENV_DIR} (PyPI must be reachable): ${e.stderr || e.message}`);
    }
    fs.writeFileSync(READY_MARKER, `${PYTHON_TOOLS.join('\n')}\n`);
    return tools;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The pinned Python tools, installed on first use. */
export function pythonTools(): Promise<PythonTools> {
  installing ??= install();
  return installing;
}
