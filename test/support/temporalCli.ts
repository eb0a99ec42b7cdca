import { resolveTemporalCli, type ResolvedCli } from '../../src/temporal/cli';

/** The Temporal CLI CI provisioned (`node dist/temporal/cli.js`); never built from inside the tests. */
export async function provisionedTemporalCli(): Promise<ResolvedCli> {
  const found = await resolveTemporalCli({ build: false });
  if (found.path === undefined) throw new Error(`no Temporal CLI provisioned (${found.reason}); run \`node dist/temporal/cli.js\` first`);
  return found;
}
