import { Command, Option } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectionFlagsOf } from '../../src/cli/settingNames';
import { addConnectionOptions, explainConnectError, resolveTarget } from '../../src/temporal/connection';

/**
 * Connection errors name a setting the user set as they set it (the flag they typed, or the
 * variable they exported), as other settings' errors do (src/cli/settingNames.ts).
 */
describe('a connection setting in an error', () => {
  const saved = { ...process.env };
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-names-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
    // No Temporal CLI config file of this machine's.
    process.env.TEMPORAL_CONFIG_FILE = path.join(tmp, 'none.toml');
    fs.writeFileSync(process.env.TEMPORAL_CONFIG_FILE, '[profile.default]\n');
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The connection flags of a command given `args` with `env` exported, as `sparkify worker` parses them. */
  function given(args: string[], env: Record<string, string> = {}) {
    Object.assign(process.env, env);
    const command = addConnectionOptions(new Command('worker').addOption(new Option('--temporal <host:port>').env('TEMPORAL_ADDRESS'))).exitOverride();
    command.parse(args, { from: 'user' });
    return connectionFlagsOf(command.opts(), command);
  }

  const missing = () => path.join(tmp, 'missing.pem');

  test('an unreadable CA file: the variable when exported, the flag when typed', () => {
    expect(() => resolveTarget(given(['--temporal', '127.0.0.1:1'], { TEMPORAL_TLS_CA: missing() }))).toThrow(`TEMPORAL_TLS_CA: cannot read ${missing()} (ENOENT)`);
    expect(() => resolveTarget(given(['--temporal', '127.0.0.1:1', '--tls-ca', missing()]))).toThrow(`--tls-ca: cannot read ${missing()} (ENOENT)`);
  });

  test('a client certificate without its key names the one set, and both names of the one missing', () => {
    const cert = path.join(tmp, 'client.pem');
    fs.writeFileSync(cert, '');
    expect(() => resolveTarget(given(['--temporal', '127.0.0.1:1'], { TEMPORAL_TLS_CERT: cert }))).toThrow(
      'TEMPORAL_TLS_CERT is set without --tls-key (TEMPORAL_TLS_KEY): they go together, give both for mTLS',
    );
    delete process.env.TEMPORAL_TLS_CERT;
    expect(() => resolveTarget(given(['--tls-key', cert], { TEMPORAL_ADDRESS: '127.0.0.1:1' }))).toThrow(
      '--tls-key is set without --tls-cert (TEMPORAL_TLS_CERT): they go together, give both for mTLS',
    );
  });

  test('TLS settings without a server name the ones set', () => {
    expect(() => resolveTarget(given(['--tls'], { TEMPORAL_TLS_CA: missing() }))).toThrow('--tls, TEMPORAL_TLS_CA: give the server too (--temporal HOST:PORT or TEMPORAL_ADDRESS)');
  });

  test('an address no server answers: TEMPORAL_ADDRESS when exported, --temporal when typed', () => {
    const failed = new Error('Failed to connect before the deadline');
    expect(explainConnectError(failed, resolveTarget(given([], { TEMPORAL_ADDRESS: '127.0.0.1:1' }))!).message).toContain('Check TEMPORAL_ADDRESS;');
    expect(explainConnectError(failed, resolveTarget(given(['--temporal', '127.0.0.1:1']))!).message).toContain('Check --temporal;');
  });

  test('a refused API key and an untrusted certificate name the key and the CA as they were set', () => {
    const ca = path.join(tmp, 'ca.pem');
    fs.writeFileSync(ca, '');
    const refused = new Error('16 UNAUTHENTICATED: bad key');
    expect(explainConnectError(refused, resolveTarget(given(['--temporal', '127.0.0.1:1'], { TEMPORAL_API_KEY: 'k' }))!).message).toContain('rejected the API key (TEMPORAL_API_KEY)');
    expect(explainConnectError(refused, resolveTarget(given(['--temporal', '127.0.0.1:1', '--api-key', 'k']))!).message).toContain('rejected the API key (--api-key)');
    const untrusted = new Error('invalid peer certificate: UnknownIssuer');
    expect(explainConnectError(untrusted, resolveTarget(given(['--temporal', '127.0.0.1:1'], { TEMPORAL_TLS_CA: ca }))!).message).toContain(`not trusted by the CA in ${ca} (TEMPORAL_TLS_CA)`);
    expect(explainConnectError(untrusted, resolveTarget(given(['--temporal', '127.0.0.1:1', '--tls-ca', ca]))!).message).toContain(`not trusted by the CA in ${ca} (--tls-ca)`);
  });
});
