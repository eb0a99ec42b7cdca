import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';

/**
 * A TLS terminator on loopback in front of a plaintext Temporal dev server, as a load balancer or
 * Temporal Cloud's front end would be: gRPC is HTTP/2, so it terminates TLS (optionally requiring a
 * client certificate from a CA: mTLS), reads each call's headers (the API key arrives as
 * `authorization: Bearer KEY`), and forwards the call as h2c to the server, trailers and all.
 */
export interface TerminatorOptions {
  /** HOST:PORT of the plaintext gRPC server. */
  upstream: string;
  /** The server certificate and key (PEM). */
  cert: string;
  key: string;
  /** Require a client certificate issued by this CA (PEM). */
  clientCa?: string;
  /** Require `authorization: Bearer <apiKey>` on every call; others get UNAUTHENTICATED. */
  apiKey?: string;
}

export interface Terminator {
  address: string;
  /** What callers sent: every call's authorization header, the client certificates' CNs, counts. */
  seen: { calls: number; rejected: number; authorization: Set<string>; clientNames: Set<string> };
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function forwardable(headers: http2.IncomingHttpHeaders, keepPseudo: string[]): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name.startsWith(':') && !keepPseudo.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

export async function startTlsTerminator(options: TerminatorOptions): Promise<Terminator> {
  const seen: Terminator['seen'] = { calls: 0, rejected: 0, authorization: new Set(), clientNames: new Set() };
  let upstream: http2.ClientHttp2Session | undefined;
  const upstreamSession = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${options.upstream}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  const sessions = new Set<http2.ServerHttp2Session>();

  const server = http2.createSecureServer({
    cert: options.cert,
    key: options.key,
    ALPNProtocols: ['h2'],
    ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    seen.calls++;
    const authorization = headers.authorization;
    if (authorization !== undefined) seen.authorization.add(String(authorization));
    const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate?.();
    if (peer && peer.subject) seen.clientNames.add(String(peer.subject.CN));
    stream.on('error', () => undefined);

    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      seen.rejected++;
      // A gRPC trailers-only response: UNAUTHENTICATED, as an authenticating proxy answers.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': encodeURIComponent('invalid API key') }, { endStream: true });
      return;
    }

    const request = upstreamSession().request({ ...forwardable(headers, [':method', ':path', ':authority']), ':scheme': 'http' });
    let trailers: http2.OutgoingHttpHeaders = {};
    request.on('error', () => {
      if (!stream.headersSent && !stream.closed) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'upstream%20unavailable' }, { endStream: true });
      } else if (!stream.closed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    request.on('response', (responseHeaders) => {
      if (stream.closed) return;
      const out = forwardable(responseHeaders, [':status']);
      if (responseHeaders['grpc-status'] !== undefined) {
        stream.respond(out, { endStream: true });
        return;
      }
      stream.respond(out, { waitForTrailers: true });
      request.pipe(stream);
    });
    request.on('trailers', (t) => (trailers = forwardable(t, [])));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(request);
    stream.on('close', () => {
      if (!request.closed) request.close(http2.constants.NGHTTP2_CANCEL);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    seen,
    stop: async () => {
      for (const session of sessions) session.destroy();
      upstream?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
