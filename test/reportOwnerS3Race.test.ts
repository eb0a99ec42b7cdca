/**
 * The first warehouse to write a report under a shared S3 prefix owns its plain report names, by a
 * conditional put of REPORT_DIR_OWNER (IfNoneMatch: '*'). An S3-compatible server that ignores
 * IfNoneMatch takes the puts of two first writers at once, and both believed they owned the prefix
 * (the later one's plain-named reports then overwrite the other's). A writer now reads the owner
 * file back after its put and owns the prefix only if its own tag is there.
 *
 * The race, made certain: the loopback S3 server behind a proxy that, once the first writer's put of
 * the owner file has been answered and before that writer sees the answer, puts the other
 * warehouse's tag there through the real SDK, as a server ignoring IfNoneMatch lets it.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import http from 'node:http';
import { warehouseIdentity } from '../src/config';
import { REPORT_DIR_OWNER, reportFileName, warehouseTag, writeHtmlReport } from '../src/insights';
import { startS3, type S3Server } from './harness/s3';

const BUCKET = 'reports';
const A = 'duckdb:/srv/a/sparkify.duckdb';
const B = 'duckdb:/srv/b/sparkify.duckdb';

let s3: S3Server;
let proxy: http.Server;
let proxyEndpoint: string;
/** The owner file's key whose next put gets B's tag put after it, before the writer hears back. */
let interposeOn: string | undefined;

function forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const upstream = new URL(s3.endpoint);
  return new Promise((resolve, reject) => {
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

beforeAll(async () => {
  s3 = await startS3();
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const answer = await forward(req, Buffer.concat(chunks));
        const key = decodeURIComponent(new URL(req.url ?? '/', 'http://proxy').pathname.replace(`/${BUCKET}/`, ''));
        if (req.method === 'PUT' && key === interposeOn) {
          interposeOn = undefined;
          await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${warehouseTag(warehouseIdentity(B))}\n` }));
        }
        res.writeHead(answer.status, answer.headers).end(answer.body);
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await s3?.stop();
});

const ownerTag = async (prefix: string) =>
  (await (await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${REPORT_DIR_OWNER}` }))).Body!.transformToString()).trim();

test("a writer whose owner-file put another warehouse's put overwrote before it read back writes tagged names; the other owns the plain ones", async () => {
  const prefix = 'shared/';
  interposeOn = `${prefix}${REPORT_DIR_OWNER}`;
  const settings = { ...s3.settings, endpoint: proxyEndpoint };
  const id = 'sparkify-etl-2018-11-07';

  const written = await writeHtmlReport('<html>a</html>', { to: `s3://${BUCKET}/${prefix}`, id, warehouse: A, s3: settings });
  expect(interposeOn).toBeUndefined();
  expect(await ownerTag(prefix)).toBe(warehouseTag(warehouseIdentity(B)));
  expect(written).toBe(`s3://${BUCKET}/${prefix}${reportFileName(id, warehouseTag(warehouseIdentity(A)))}`);

  // B, which holds the owner file, writes the plain name.
  const writtenByB = await writeHtmlReport('<html>b</html>', { to: `s3://${BUCKET}/${prefix}`, id, warehouse: B, s3: s3.settings });
  expect(writtenByB).toBe(`s3://${BUCKET}/${prefix}${reportFileName(id)}`);
});

test('a writer alone under a prefix owns it and writes plain names', async () => {
  const prefix = 'alone/';
  const id = 'sparkify-etl-2018-11-08';
  const written = await writeHtmlReport('<html>a</html>', { to: `s3://${BUCKET}/${prefix}`, id, warehouse: A, s3: { ...s3.settings, endpoint: proxyEndpoint } });
  expect(written).toBe(`s3://${BUCKET}/${prefix}${reportFileName(id)}`);
  expect(await ownerTag(prefix)).toBe(warehouseTag(warehouseIdentity(A)));
});
