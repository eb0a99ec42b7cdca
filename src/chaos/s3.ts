import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createS3Client, type S3Settings } from '../source/s3Client';

/** A loopback s3rver (the project's S3 test server) in a child process, with a bucket of files. */
export interface ChaosS3 {
  endpoint: string;
  settings: S3Settings;
  stop(): Promise<void>;
}

// s3rver encrypts list continuation tokens with DES, which OpenSSL 3 only has in its legacy provider.
const CHILD = `
const [s3rverPath, directory] = process.argv.slice(1);
const S3rver = require(s3rverPath);
new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, vhostBuckets: false }).run().then(
  (address) => process.send({ port: address.port }),
  (err) => { process.send({ error: String(err) }); process.exit(1); });
process.on('disconnect', () => process.exit(0));
`;

export async function startChaosS3(): Promise<ChaosS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'sparkify-chaos-s3-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, require.resolve('s3rver'), directory], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const cleanUp = () => {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`s3rver failed: ${m.error}`))));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    settings: { endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      process.removeListener('exit', cleanUp);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : [],
  );
}

/** Uploads every file under `dir` to `bucket` (created), keyed by its relative path. */
export async function uploadDirectory(s3: ChaosS3, dir: string, bucket: string): Promise<number> {
  const client = createS3Client(s3.settings);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const files = filesUnder(dir);
    for (const file of files) {
      const key = path.relative(dir, file).split(path.sep).join('/');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }));
    }
    return files.length;
  } finally {
    client.destroy();
  }
}
