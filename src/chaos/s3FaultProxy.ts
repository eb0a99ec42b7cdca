import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Prng } from '../generate/prng';

/**
 * A loopback HTTP proxy in front of an S3 server that injects the faults S3 shows on a bad day:
 * 500 InternalError, 503 ServiceUnavailable, 503 SlowDown, connections dropped halfway through an
 * object's body, and downloads that stop halfway with the connection left open (what a lost path or
 * a dead middlebox looks like: no error, no more bytes). Faults are injected only while enabled,
 * at the given rates.
 */
export interface FaultRates {
  /** Share of requests answered with a 500/503/SlowDown error instead of being forwarded. */
  errors: number;
  /** Share of object downloads cut off halfway through the body. */
  drops: number;
  /** Share of object downloads that stop sending halfway through the body and hold the connection open. */
  stalls?: number;
}

export interface FaultCounts {
  internalError: number;
  serviceUnavailable: number;
  slowDown: number;
  droppedMidObject: number;
  stalledMidObject: number;
  forwarded: number;
}

export interface S3FaultProxy {
  endpoint: string;
  counts: FaultCounts;
  /** Milliseconds from each run of faults to the next request S3 answered whole (the client's retry). */
  recoveries: number[];
  enable(rates: FaultRates): void;
  disable(): void;
  stop(): Promise<void>;
}

const ERRORS = [
  { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.', count: 'internalError' },
  { status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.', count: 'serviceUnavailable' },
  { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', count: 'slowDown' },
] as const;

/** A seeded stream (the generator's mulberry32), so a fault run can be repeated. */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

/** An object download: a GET of a key (not a bucket listing). */
function isObjectGet(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://proxy');
  return url.pathname.split('/').filter(Boolean).length >= 2 && !url.searchParams.has('list-type');
}

export async function startS3FaultProxy(target: string, seed = 1): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const random = seededRandom(seed);
  const counts: FaultCounts = { internalError: 0, serviceUnavailable: 0, slowDown: 0, droppedMidObject: 0, stalledMidObject: 0, forwarded: 0 };
  let rates: FaultRates | undefined;
  const recoveries: number[] = [];
  let faultSince: number | undefined;
  const faulted = () => (faultSince ??= Date.now());
  const answered = () => {
    if (faultSince !== undefined) recoveries.push(Date.now() - faultSince);
    faultSince = undefined;
  };

  const server = http.createServer((req, res) => {
    if (rates && random() < rates.errors) {
      const fault = ERRORS[Math.floor(random() * ERRORS.length)];
      counts[fault.count]++;
      faulted();
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message}</Message></Error>`;
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const drop = rates !== undefined && isObjectGet(req) && random() < rates.drops;
    const stall = !drop && rates?.stalls !== undefined && isObjectGet(req) && random() < rates.stalls;
    counts.forwarded++;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const length = Number(answer.headers['content-length'] ?? 0);
        if ((!drop && !stall) || length < 2) {
          if ((answer.statusCode ?? 500) < 500) answer.once('end', answered);
          answer.pipe(res);
          return;
        }
        // Send the headers (with the full length) and half the body, then cut the connection (or,
        // for a stall, send nothing more and leave it open until the client gives up or we stop).
        const half = Math.floor(length / 2);
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= half) return;
          const part = chunk.subarray(0, half - sent);
          sent += part.length;
          if (sent < half) {
            res.write(part);
            return;
          }
          faulted();
          answer.destroy();
          if (stall) {
            counts.stalledMidObject++;
            res.write(part);
            return;
          }
          counts.droppedMidObject++;
          // Cut only once the half is on the wire: the client has the headers and part of the body.
          res.write(part, () => res.socket?.destroy());
        });
        answer.on('end', () => {
          if (sent < half) res.socket?.destroy(); // shorter than its length said: cut it all the same
        });
      },
    );
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    recoveries,
    enable: (r) => (rates = r),
    disable: () => (rates = undefined),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
