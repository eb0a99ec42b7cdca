import { App } from 'aws-cdk-lib';
import { DEFAULT_INFRA_SETTINGS, stackName, WAREHOUSE_MODES, type InfraSettings } from './settings';
import { WarehouseStack } from './stack';

export { DEFAULT_INFRA_SETTINGS, stackName, WAREHOUSE_MODES };
export type { InfraSettings };

/** Both stacks (Serverless and provisioned) in one cloud assembly; a deploy picks one by name. */
export function buildApp(settings: InfraSettings, outdir?: string): { app: App; stacks: Record<string, WarehouseStack> } {
  const app = new App({ outdir });
  const stacks: Record<string, WarehouseStack> = {};
  for (const mode of WAREHOUSE_MODES) {
    const name = stackName(settings, mode);
    stacks[mode] = new WarehouseStack(app, name, {
      stackName: name,
      mode,
      settings,
      description: `sparkify-etl: Redshift ${mode === 'serverless' ? 'Serverless' : 'provisioned cluster'} warehouse, COPY role and worker policy`,
    });
  }
  return { app, stacks };
}

/** Writes the cloud assembly (one template per stack) to outdir; returns the template paths. */
export function synthesize(settings: InfraSettings, outdir: string): { directory: string; templates: Record<string, string> } {
  const { app } = buildApp(settings, outdir);
  const assembly = app.synth();
  const templates: Record<string, string> = {};
  for (const stack of assembly.stacks) templates[stack.stackName] = stack.templateFullPath;
  return { directory: assembly.directory, templates };
}

/** `cdk synth` with infra/cdk.json: settings come from context (-c name=… etc.). */
if (require.main === module) {
  const context = new App();
  const get = (key: keyof InfraSettings): unknown => context.node.tryGetContext(key);
  const settings: InfraSettings = {
    ...DEFAULT_INFRA_SETTINGS,
    ...Object.fromEntries(
      (['name', 'database', 'adminUsername', 'nodeType'] as const).filter((k) => get(k) !== undefined).map((k) => [k, String(get(k))]),
    ),
    ...(get('baseCapacity') !== undefined ? { baseCapacity: Number(get('baseCapacity')) } : {}),
    ...(get('numberOfNodes') !== undefined ? { numberOfNodes: Number(get('numberOfNodes')) } : {}),
  };
  synthesize(settings, context.outdir);
}
