import { ConfigError, parseSourceUri, parseWarehouseUri, redactUri } from '../config';
import type { Logger } from '../log';
import { openSource, type Source } from '../source';
import type { S3Settings } from '../source/s3Client';
import { openWarehouse } from '../warehouse';
import type { Warehouse } from '../warehouse/types';

/**
 * The worker's long-lived connections, opened on first use and shared by every activity.
 * Workflow inputs carry URIs with passwords hidden (history is visible in the Web UI); the worker
 * knows the full URIs it was configured with and puts the secrets back here.
 */
export class Resources {
  private readonly warehouses = new Map<string, Promise<Warehouse>>();
  private readonly sources = new Map<string, Source>();
  private readonly credentials = new Map<string, string>();

  constructor(
    readonly options: {
      s3: S3Settings;
      log: Logger;
      defaultSource?: string;
      defaultWarehouse?: string;
      /** Where run reports go when neither the run nor a DuckDB file says (default .sparkify/reports). */
      reportDir?: string;
    },
  ) {
    if (options.defaultWarehouse) this.rememberCredentials(options.defaultWarehouse);
  }

  /** Lets the worker open a warehouse whose password the workflow input does not carry. */
  rememberCredentials(uri: string): void {
    this.credentials.set(redactUri(uri), uri);
  }

  resolveWarehouseUri(uri: string | undefined): string {
    const given = uri || this.options.defaultWarehouse;
    if (!given) throw new ConfigError('no warehouse given: pass one in the run input or set SPARKIFY_WAREHOUSE on the worker');
    return this.credentials.get(given) ?? given;
  }

  resolveSourceUri(uri: string | undefined): string {
    const given = uri || this.options.defaultSource;
    if (!given) throw new ConfigError('no source given: pass one in the run input or set SPARKIFY_SOURCE on the worker');
    return given;
  }

  warehouse(uri: string | undefined): Promise<Warehouse> {
    const full = this.resolveWarehouseUri(uri);
    let warehouse = this.warehouses.get(full);
    if (!warehouse) {
      warehouse = openWarehouse(parseWarehouseUri(full, 'warehouse'));
      warehouse.catch(() => this.warehouses.delete(full));
      this.warehouses.set(full, warehouse);
    }
    return warehouse;
  }

  source(uri: string | undefined): Source {
    const given = this.resolveSourceUri(uri);
    let source = this.sources.get(given);
    if (!source) {
      source = openSource(parseSourceUri(given, 'source'), this.options.s3);
      this.sources.set(given, source);
    }
    return source;
  }

  async close(): Promise<void> {
    const open = [...this.warehouses.values()];
    this.warehouses.clear();
    await Promise.all(open.map((w) => w.then((warehouse) => warehouse.close()).catch(() => undefined)));
  }
}
