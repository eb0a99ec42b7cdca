import net from 'node:net';

/**
 * A loopback proxy in front of a real PostgreSQL that cuts its connections at a chosen point of the
 * wire protocol, as a server crash or restart would at that instant: both sockets are destroyed and
 * nothing more is passed on. A restart lands there by chance once in a while (seen in the fault
 * suite); here it lands there every time.
 *
 * The points:
 * - `afterRowsComplete`: the server's CommandComplete of a SELECT has reached the client, and its
 *   ReadyForQuery has not (a cursor's last rows are in, their read still waits for it);
 * - `onClose`: the client sent Close (a cursor closed early), before the server sees it;
 * - `onCopyData`: the client's first CopyData of a COPY … FROM STDIN, before the server sees it;
 * - `afterCopyComplete`: the server's CommandComplete of a COPY has reached the client, and its
 *   ReadyForQuery has not;
 * - `{ afterCommitOf }`: the server has committed a transaction with a statement that matches
 *   (the songplays publish: /INSERT INTO etl_load_ledger/) and told the client so, and its
 *   ReadyForQuery has not reached the client: the commit happened, and the client cannot know it.
 *
 * Plain connections only (no SSLRequest): after the client's startup message, every message in
 * both directions is a type byte and a 4-byte length that counts itself.
 */
export type CutPoint = 'afterRowsComplete' | 'onClose' | 'afterCopyComplete' | 'onCopyData' | { afterCommitOf: RegExp };

export interface ConnectionCutter {
  /** The database's URL, through the proxy. */
  url: string;
  /** Cuts the next connection to reach `point`. */
  arm(point: CutPoint): void;
  /** Connections cut so far. */
  readonly cuts: number;
  stop(): Promise<void>;
}

/** Splits a byte stream into whole messages; the first may be untyped (the client's startup). */
class MessageSplitter {
  private pending = Buffer.alloc(0);

  constructor(private untypedFirst: boolean) {}

  /** The whole messages `chunk` completes, each with its type ('' for the untyped first). */
  push(chunk: Buffer): { type: string; bytes: Buffer }[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const messages: { type: string; bytes: Buffer }[] = [];
    for (;;) {
      const header = this.untypedFirst ? 0 : 1;
      if (this.pending.length < header + 4) break;
      const length = header + this.pending.readUInt32BE(header);
      if (this.pending.length < length) break;
      messages.push({ type: this.untypedFirst ? '' : String.fromCharCode(this.pending[0]), bytes: this.pending.subarray(0, length) });
      this.pending = this.pending.subarray(length);
      this.untypedFirst = false;
    }
    return messages;
  }
}

/** A CommandComplete message's tag ("SELECT 10", "SET", …). */
function commandTag(message: Buffer): string {
  return message.subarray(5, message.length - 1).toString('utf8');
}

/** A cutter in front of the server of `databaseUrl` (postgres://…, no TLS). */
export async function startConnectionCutter(databaseUrl: string): Promise<ConnectionCutter> {
  const upstream = new URL(databaseUrl);
  let armed: CutPoint | undefined;
  let cuts = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const backend = net.connect(Number(upstream.port || 5432), upstream.hostname);
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    let cut = false;
    /** Whether the open transaction ran a statement `{ afterCommitOf }` names. */
    let matched = false;
    const cutHere = () => {
      armed = undefined;
      cut = true;
      cuts++;
      client.destroy();
      backend.destroy();
    };
    const fromClient = new MessageSplitter(true);
    client.on('data', (chunk: Buffer) => {
      for (const message of fromClient.push(chunk)) {
        if (cut) return;
        if (armed === 'onClose' && message.type === 'C') return cutHere();
        if (armed === 'onCopyData' && message.type === 'd') return cutHere();
        if (message.type === 'Q') {
          const sql = message.bytes.toString('utf8', 5);
          if (/^\s*BEGIN/i.test(sql)) matched = false;
          else if (typeof armed === 'object' && armed.afterCommitOf.test(sql)) matched = true;
        }
        backend.write(message.bytes);
      }
    });
    const fromServer = new MessageSplitter(false);
    backend.on('data', (chunk: Buffer) => {
      for (const message of fromServer.push(chunk)) {
        if (cut) return;
        client.write(message.bytes);
        if (armed === 'afterRowsComplete' && message.type === 'C' && commandTag(message.bytes).startsWith('SELECT')) return cutHere();
        if (armed === 'afterCopyComplete' && message.type === 'C' && commandTag(message.bytes).startsWith('COPY')) return cutHere();
        if (typeof armed === 'object' && matched && message.type === 'C' && commandTag(message.bytes) === 'COMMIT') return cutHere();
      }
    });
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);

  return {
    url: proxied.toString(),
    arm: (point) => {
      armed = point;
    },
    get cuts() {
      return cuts;
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
