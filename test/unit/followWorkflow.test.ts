/**
 * The `temporal` command the Ctrl-C hint suggests: the connection settings given as flags, in the
 * `temporal` CLI's names, quoted for a shell, and never an API key's value (test/tls.test.ts runs
 * such a command against a server wanting mTLS and a key).
 */
import { keepsRunningMessage, temporalCliFlags } from '../../src/cli/followWorkflow';

const server = { address: 'ns.a1b2c.tmprl.cloud:7233', namespace: 'ns.a1b2c' };

test('the namespace (unless default), the profile, --tls and the TLS paths go along, quoted where a shell needs it', () => {
  expect(temporalCliFlags(server, { profile: 'prod', tls: true, tlsCa: '/etc/temporal ca.pem', tlsServerName: 'ns.tmprl.cloud' })).toEqual([
    '--address', 'ns.a1b2c.tmprl.cloud:7233', '--namespace', 'ns.a1b2c', '--profile', 'prod', '--tls', '--tls-ca-path', "'/etc/temporal ca.pem'", '--tls-server-name', 'ns.tmprl.cloud',
  ]);
  expect(temporalCliFlags({ address: 'localhost:7233', namespace: 'default' })).toEqual(['--address', 'localhost:7233']);
});

test('an API key given as --api-key is a placeholder, said so; its value is not printed', () => {
  const message = keepsRunningMessage('sparkify-etl-2018-11-05', server, { apiKey: 'secret-key-value' });
  expect(message).not.toContain('secret-key-value');
  expect(message).toMatch(/temporal workflow cancel --workflow-id sparkify-etl-2018-11-05 --address ns\.a1b2c\.tmprl\.cloud:7233 --namespace ns\.a1b2c --api-key … \(in place of …, your API key: it is not printed\)$/);
});
