import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, waitForPort } from '../../src/util/ports';
import { pythonTools } from './python';

/**
 * moto in server mode on loopback: a real HTTP server speaking the AWS APIs (STS, S3, IAM,
 * provisioned Redshift and more) with in-memory state. It does not model Redshift Serverless,
 * and its Data API answers every query with the same canned rows.
 */
export interface MotoServer {
  endpoint: string;
  /** Environment for an AWS SDK process (or this one) to talk to moto only. */
  env: Record<string, string>;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** From now on, requests are authenticated and authorized against moto's IAM (POST /moto-api/reset-auth 0). */
  enforceIam(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_REGION = 'us-east-1';
/** moto's default account; any key works while IAM is not enforced. */
export const MOTO_ACCOUNT = '123456789012';

export async function startMoto(): Promise<MotoServer> {
  const tools = await pythonTools();
  const port = await freePort();
  const child: ChildProcess = spawn(path.join(tools.binDir, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`moto_server exited before listening (code ${code}, signal ${signal})\n${stderr}`))),
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  try {
    await Promise.race([waitForPort('127.0.0.1', port, 60_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw err;
  }
  exited.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const post = async (route: string, body = ''): Promise<void> => {
    const response = await fetch(`${endpoint}${route}`, { method: 'POST', body });
    if (!response.ok) throw new Error(`moto ${route}: HTTP ${response.status} ${await response.text()}`);
  };
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: 'AKIAMOTOTESTKEY00001',
      AWS_SECRET_ACCESS_KEY: 'moto-secret',
      SPARKIFY_S3_ENDPOINT: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    reset: () => post('/moto-api/reset'),
    enforceIam: () => post('/moto-api/reset-auth', '0'),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
