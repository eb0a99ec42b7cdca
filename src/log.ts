import pino, { Logger, type LoggerOptions } from 'pino';
import { redactUri } from './config';

export type { Logger };

// Keys that hold secrets, or URIs that may carry one, at the top level or up to three levels down
// (e.g. `{ s3: { secretAccessKey } }`, `{ settings: { s3: { sessionToken } } }`).
const SECRET_KEYS = ['password', 'secretAccessKey', 'sessionToken', 'accessToken', 'secret', 'token', 'authorization', 'credentials'];
const URI_KEYS = ['url', 'uri', 'connectionString', 'warehouse', 'defaultWarehouse'];
const deep = (key: string) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`];

/**
 * Pino's redaction: secrets become `***`, URIs lose their password (redactUri). Log calls should
 * not hand secrets to the logger at all; this is the net under that rule.
 */
export const LOG_REDACTION: LoggerOptions['redact'] = {
  paths: [...SECRET_KEYS, ...URI_KEYS].flatMap(deep),
  censor: (value: unknown, path: string[]) => {
    const key = path[path.length - 1];
    if (URI_KEYS.includes(key) && typeof value === 'string') return redactUri(value);
    return value === undefined ? undefined : '***';
  },
};

/**
 * JSON lines by default (what log shippers want); human-readable when stderr is a terminal.
 * Logs go to stderr so that stdout stays for results (`--json` output, query rows).
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const level = options.level ?? process.env.SPARKIFY_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      redact: LOG_REDACTION,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, redact: LOG_REDACTION }, options.destination ?? pino.destination(2));
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
