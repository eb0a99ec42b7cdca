import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createS3Client, S3Settings } from '../../src/source/s3Client';

export interface S3Server {
  endpoint: string;
  settings: S3Settings;
  client(): S3Client;
  stop(): Promise<void>;
}

/** s3rver's default credentials; it checks signatures against them. */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

/*
 * s3rver runs in a child node with --openssl-legacy-provider: it encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers from the legacy
 * provider, so any truncated listing fails with InternalError in a normal Node process.
 * The child exits when the IPC channel to this process closes, so it can't outlive a crashed test.
 */
const CHILD_SOURCE = `
const [s3rverPath, directory] = process.argv.slice(1);
const S3rver = require(s3rverPath);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, vhostBuckets: false });
server.run().then(
  (address) => process.send({ port: address.port }),
  (err) => { process.send({ error: String((err && err.stack) || err) }); process.exit(1); },
);
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'stop') server.close().finally(() => process.exit(0));
});
`;

function startChild(directory: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD_SOURCE, require.resolve('s3rver'), directory],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s3rver did not start within 30 s\n${stderr}`));
    }, 30_000);
    child.once('message', (message: { port?: number; error?: string }) => {
      clearTimeout(timer);
      if (message.port !== undefined) resolve({ child, port: message.port });
      else reject(new Error(`s3rver failed to start: ${message.error ?? 'unknown error'}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
  });
}

/** An s3rver instance on 127.0.0.1 (OS-chosen port), storing objects in a fresh temp directory. */
export async function startS3(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'sparkify-s3-'));
  let child: ChildProcess | undefined;
  const cleanUpOnExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', cleanUpOnExit);
  let port: number;
  try {
    ({ child, port } = await startChild(directory));
  } catch (err) {
    process.removeListener('exit', cleanUpOnExit);
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const running = child;

  const endpoint = `http://127.0.0.1:${port}`;
  const settings: S3Settings = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
  };
  let shared: S3Client | undefined;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    settings,
    client() {
      shared ??= createS3Client(settings);
      return shared;
    },
    stop() {
      stopping ??= (async () => {
        shared?.destroy();
        try {
          await stopChild(running);
        } finally {
          process.removeListener('exit', cleanUpOnExit);
          await rm(directory, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, full)));
    else if (entry.isFile()) files.push(full);
  }
  return files.sort();
}

async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!(err instanceof BucketAlreadyOwnedByYou)) throw err;
  }
}

/**
 * Uploads every regular file under localDir to bucket (created if missing), keyed as
 * prefix + relative path with forward slashes; the prefix is used verbatim. Returns the file count.
 */
export async function uploadDirectory(server: S3Server, localDir: string, bucket: string, prefix = ''): Promise<number> {
  const client = server.client();
  await ensureBucket(client, bucket);
  const files = await listFiles(localDir);
  const concurrency = 8;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      const key = prefix + path.relative(localDir, file).split(path.sep).join('/');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return files.length;
}
