/**
 * How every command reaches Temporal (run, worker, backfill, schedule; dev starts its own server):
 * the Temporal CLI's own settings, read by the SDK's loader (@temporalio/envconfig: TOML profiles,
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE), with
 * our flags layered on top. Connection errors that come from a setting are said in one line
 * naming the setting (a ConfigError: exit 2).
 */
import { Connection } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConfigTLS } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import http2 from 'node:http2';
import { ConfigError } from '../config';
import { rootMessage } from '../etl/failures';

export interface ConnectionFlags {
  /** HOST:PORT (--temporal / TEMPORAL_ADDRESS). */
  temporal?: string;
  namespace?: string;
  profile?: string;
  tls?: boolean;
  tlsServerName?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  apiKey?: string;
  /**
   * How the command was given the value of a flag above: the flag, or the environment variable
   * commander read it from; undefined when the command holds none (settingNames.ts's givenAs).
   */
  givenAs?: (key: string) => string | undefined;
}

/** Each connection setting's flag, environment variable, and key in a Temporal CLI profile. */
const SETTINGS = {
  temporal: ['--temporal', 'TEMPORAL_ADDRESS', 'address'],
  tls: ['--tls', 'TEMPORAL_TLS', 'tls'],
  tlsServerName: ['--tls-server-name', 'TEMPORAL_TLS_SERVER_NAME', 'tls.server_name'],
  tlsCa: ['--tls-ca', 'TEMPORAL_TLS_CA', 'tls.server_ca_cert_path'],
  tlsCert: ['--tls-cert', 'TEMPORAL_TLS_CERT', 'tls.client_cert_path'],
  tlsKey: ['--tls-key', 'TEMPORAL_TLS_KEY', 'tls.client_key_path'],
  apiKey: ['--api-key', 'TEMPORAL_API_KEY', 'api_key'],
} as const;
type Setting = keyof typeof SETTINGS;

/** How a setting named in advice is spelt when the user has not set it: either way. */
function eitherName(key: Setting): string {
  return `${SETTINGS[key][0]} (${SETTINGS[key][1]})`;
}

/**
 * The name of a setting the user set, as they set it: the flag or variable the command was given,
 * else (read by the Temporal CLI's loader) its environment variable or the profile; both names
 * when the caller cannot tell.
 */
function setAs(flags: ConnectionFlags, key: Setting): string {
  const [, variable, profileKey] = SETTINGS[key];
  const given = flags.givenAs?.(key);
  if (given !== undefined) return given;
  if (process.env[variable]) return variable;
  return flags.givenAs ? `the Temporal CLI profile's ${profileKey}` : eitherName(key);
}

/** A resolved server to connect to, and what was used, for error messages. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  options: NativeConnectionOptions;
  tls: boolean;
  ca?: string;
  clientCert?: string;
  apiKey: boolean;
  /** How the user set what errors about this target name (see setAs). */
  named: { address: string; tls: string; ca?: string; apiKey: string };
}

/** The connection flags every client or worker command takes (beside its --temporal). */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE; default "default")'))
    .addOption(new Option('--profile <name>', 'profile of the Temporal CLI config file (env TEMPORAL_PROFILE, file TEMPORAL_CONFIG_FILE)'))
    .addOption(new Option('--tls', 'connect with TLS (implied by the other --tls-* flags and by an API key; env TEMPORAL_TLS=true)'))
    .addOption(new Option('--tls-server-name <name>', 'server name the certificate is checked against (env TEMPORAL_TLS_SERVER_NAME)'))
    .addOption(new Option('--tls-ca <path>', "CA certificate (PEM) to trust for the server's certificate").env('TEMPORAL_TLS_CA'))
    .addOption(new Option('--tls-cert <path>', 'client certificate (PEM) for mTLS').env('TEMPORAL_TLS_CERT'))
    .addOption(new Option('--tls-key <path>', "client certificate's private key (PEM) for mTLS").env('TEMPORAL_TLS_KEY'))
    .addOption(new Option('--api-key <key>', 'API key, sent as "authorization: Bearer KEY" (env TEMPORAL_API_KEY)'));
}

function readable(path: string, setting: string): string {
  try {
    fs.accessSync(path, fs.constants.R_OK);
    return path;
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function loadProfile(name: string | undefined): ClientConfigProfile {
  try {
    return loadClientConfigProfile({ profile: name });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // No config file at the default place is the usual case: env vars alone then.
    if (code === 'ENOENT' && !process.env.TEMPORAL_CONFIG_FILE) return loadClientConfigProfile({ profile: name, disableFile: true });
    throw new ConfigError(`Temporal client config (--profile / TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE): ${(err as Error).message}`);
  }
}

/** The server the settings name, or undefined when they name none (the command may then start its own). */
export function resolveTarget(flags: ConnectionFlags): TemporalTarget | undefined {
  const profile = loadProfile(flags.profile);
  const address = flags.temporal ?? profile.address;
  const anyTlsFlag = Boolean(flags.tls || flags.tlsServerName || flags.tlsCa || flags.tlsCert || flags.tlsKey);
  if (!address) {
    if (anyTlsFlag || flags.apiKey) {
      const set = (['tls', 'tlsServerName', 'tlsCa', 'tlsCert', 'tlsKey', 'apiKey'] as const).filter((key) => flags[key]).map((key) => setAs(flags, key));
      throw new ConfigError(`${set.join(', ')}: give the server too (--temporal HOST:PORT or TEMPORAL_ADDRESS)`);
    }
    return undefined;
  }
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
    const [given, missing]: Setting[] = flags.tlsCert ? ['tlsCert', 'tlsKey'] : ['tlsKey', 'tlsCert'];
    throw new ConfigError(`${setAs(flags, given)} is set without ${eitherName(missing)}: they go together, give both for mTLS`);
  }
  let tls: ClientConfigTLS | undefined = profile.tls;
  if (anyTlsFlag) {
    tls = {
      ...(profile.tls ?? {}),
      disabled: false,
      ...(flags.tlsServerName ? { serverName: flags.tlsServerName } : {}),
      ...(flags.tlsCa ? { serverCACert: { path: readable(flags.tlsCa, setAs(flags, 'tlsCa')) } } : {}),
      ...(flags.tlsCert ? { clientCert: { path: readable(flags.tlsCert, setAs(flags, 'tlsCert')) } } : {}),
      ...(flags.tlsKey ? { clientKey: { path: readable(flags.tlsKey, setAs(flags, 'tlsKey')) } } : {}),
    };
  }
  for (const [source, setting] of [
    [tls?.serverCACert, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (or the profile\'s tls.server_ca_cert_path)'],
    [tls?.clientCert, 'TEMPORAL_TLS_CLIENT_CERT_PATH (or the profile\'s tls.client_cert_path)'],
    [tls?.clientKey, 'TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile\'s tls.client_key_path)'],
  ] as const) {
    if (source && 'path' in source) readable(source.path, setting);
  }
  const apiKey = flags.apiKey ?? profile.apiKey;
  const namespace = flags.namespace ?? profile.namespace ?? 'default';
  const { connectionOptions } = toClientOptions({ ...profile, address, namespace, apiKey, tls });
  const caSource = tls?.serverCACert;
  return {
    address,
    namespace,
    options: connectionOptions,
    tls: connectionOptions.tls !== undefined && connectionOptions.tls !== false,
    ca: caSource ? ('path' in caSource ? caSource.path : '(inline data)') : undefined,
    clientCert: tls?.clientCert ? ('path' in tls.clientCert ? tls.clientCert.path : '(inline data)') : undefined,
    apiKey: apiKey !== undefined && apiKey !== '',
    named: {
      address: setAs(flags, 'temporal'),
      tls: setAs(flags, (['tls', 'tlsCa', 'tlsCert', 'tlsKey', 'tlsServerName', 'apiKey'] as const).find((key) => flags[key]) ?? 'tls'),
      ca: flags.tlsCa ? setAs(flags, 'tlsCa') : caSource ? "TEMPORAL_TLS_SERVER_CA_CERT_PATH or the profile's tls.server_ca_cert_path" : undefined,
      apiKey: setAs(flags, 'apiKey'),
    },
  };
}

/** For commands that need a real server (worker, schedule): the target, or a ConfigError saying how to name one. */
export function requireServer(flags: ConnectionFlags): TemporalTarget {
  const target = resolveTarget(flags);
  if (!target) throw new ConfigError('--temporal HOST:PORT is required (or TEMPORAL_ADDRESS, or a Temporal CLI profile with an address)');
  return target;
}

/** A connection failure said as the setting that caused it, in one line; anything else as it is. */
export function explainConnectError(err: unknown, target: TemporalTarget): Error {
  const message = rootMessage(err).replace(/\s+/g, ' ').trim();
  const short = message.length > 240 ? `${message.slice(0, 240)}…` : message;
  const at = `Temporal at ${target.address}`;
  if (/unauthenticated|api key|unauthori[sz]ed|\b16\b.*auth/i.test(message)) {
    return new ConfigError(
      target.apiKey
        ? `${at} rejected the API key (${target.named.apiKey}): ${short}`
        : `${at} wants credentials: set an API key (${eitherName('apiKey')}) or a client certificate (${eitherName('tlsCert')} and ${eitherName('tlsKey')}): ${short}`,
    );
  }
  if (target.tls) {
    if (/not ?valid ?for ?name|hostname|altnames|subject alternative name|NotValidForName/i.test(message)) {
      return new ConfigError(`${at}: its certificate is not for that name: set ${eitherName('tlsServerName')} to a name it holds: ${short}`);
    }
    if (/certificate required|CertificateRequired|certificate_required|peer did not return a certificate/i.test(message) || (!target.clientCert && /handshake|alert|reset|closed|broken pipe|EPIPE/i.test(message))) {
      return new ConfigError(`${at} wants a client certificate (mTLS): set ${eitherName('tlsCert')} and ${eitherName('tlsKey')}: ${short}`);
    }
    if (/certificate|UnknownIssuer|self[- ]signed|issuer|verify|CERT_|BadSignature/i.test(message)) {
      return new ConfigError(
        `${at}: its certificate is not trusted ${target.ca ? `by the CA in ${target.ca} (${target.named.ca})` : `by the system CAs: give its CA with ${eitherName('tlsCa')}`}: ${short}`,
      );
    }
    if (/wrong version number|packet length too long|http2|protocol/i.test(message)) {
      return new ConfigError(`${at} does not speak TLS there: drop ${target.named.tls} or check the address (${target.named.address}): ${short}`);
    }
  }
  // The client's own words ("Failed to connect before the deadline") name no address.
  return new Error(`${at}: ${short}. Is a Temporal server listening there? Check ${target.named.address}; \`sparkify doctor\` checks it`, { cause: err });
}

/** How long the diagnostic handshake may take before it gives up (it only explains a failure). */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * gRPC clients retry a failed TLS handshake until their deadline and then say only that: so, once
 * connecting has failed, one TLS + HTTP/2 handshake with the same settings tells why (the
 * server's certificate, a client certificate it wants, …). Undefined when the handshake succeeds.
 */
export async function probeTls(target: TemporalTarget): Promise<string | undefined> {
  const tls = typeof target.options.tls === 'object' && target.options.tls !== null ? target.options.tls : {};
  return new Promise((resolve) => {
    const session = http2.connect(`https://${target.address}`, {
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
      ...(tls.serverNameOverride ? { servername: tls.serverNameOverride } : {}),
    });
    const done = (result: string | undefined) => {
      clearTimeout(timer);
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), PROBE_TIMEOUT_MS);
    session.once('error', (err) => done(err.message));
    session.once('close', () => done('the server closed the connection during the TLS handshake'));
    // TLS 1.3 servers refuse a client certificate after the handshake: the first request hears it.
    const request = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/grpc' });
    request.once('response', () => done(undefined));
    request.once('error', (err) => done(err.message));
    request.end();
  });
}

async function explained(err: unknown, target: TemporalTarget): Promise<Error> {
  const first = explainConnectError(err, target);
  if (first instanceof ConfigError || !target.tls) return first;
  const probe = await probeTls(target);
  return probe ? explainConnectError(new Error(probe), target) : first;
}

/** A client connection (starting workflows, schedules, queries). */
export async function connectClient(target: TemporalTarget): Promise<Connection> {
  const { address, tls, apiKey, metadata } = target.options;
  try {
    return await Connection.connect({ address, tls, apiKey, metadata });
  } catch (err) {
    throw await explained(err, target);
  }
}

/** A worker's native connection. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(target.options);
  } catch (err) {
    throw await explained(err, target);
  }
}
