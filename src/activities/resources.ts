import {
  allowListFromEnv,
  ConfigError,
  locationIdentity,
  parseSourceUri,
  parseWarehouseUri,
  redactUri,
  warehouseAllowEntry,
  warehouseIdentity,
  type AllowList,
  type WarehouseAllowEntry,
} from '../config';
import type { Logger } from '../log';
import { openSource, type Source } from '../source';
import type { S3Settings } from '../source/s3Client';
import { openWarehouse } from '../warehouse';
import type { Warehouse } from '../warehouse/types';
import { IdleFileRelease } from './idleFileRelease';

/**
 * The worker's long-lived connections, opened on first use and shared by every activity.
 * Workflow inputs carry URIs with passwords hidden (history is visible in the Web UI); the worker
 * knows the full URIs it was configured with and puts the secrets back here.
 */
export class Resources {
  private readonly warehouses = new Map<string, Promise<Warehouse>>();
  private readonly sources = new Map<string, Source>();
  private readonly credentials = new Map<string, string>();
  /** A worker's activities hold the warehouses they open; the worker installs its interceptor. */
  readonly idleFiles: IdleFileRelease;

  constructor(
    readonly options: {
      s3: S3Settings;
      log: Logger;
      defaultSource?: string;
      defaultWarehouse?: string;
      /** Where run reports go when neither the run nor a DuckDB file says (default .sparkify/reports). */
      reportDir?: string;
      /** What this worker serves (default: from SPARKIFY_ALLOWED_* in the environment; unset, anything). */
      allow?: AllowList;
      /** How long a DuckDB file no activity holds stays open (default IDLE_FILE_RELEASE_MS). */
      idleFileReleaseMs?: number;
    },
  ) {
    this.idleFiles = new IdleFileRelease((uri) => this.releaseFile(uri), options.idleFileReleaseMs);
    if (options.defaultWarehouse) this.rememberCredentials(options.defaultWarehouse);
    this.allow = options.allow ?? allowListFromEnv();
    // Checked here, as the worker starts: a misspelt entry stops it, naming the variable.
    this.allowedWarehouses = this.allow.warehouses?.map((entry) => warehouseAllowEntry(entry));
    // An allowed warehouse given with its password can be opened by runs that name it without.
    for (const entry of this.allow.warehouses ?? []) if (!entry.endsWith('*')) this.rememberCredentials(entry);
  }

  private readonly allow: AllowList;
  private readonly allowedWarehouses?: WarehouseAllowEntry[];

  /** Throws unless the allow-list (if any) holds the warehouse; the worker's own default always passes. */
  private checkWarehouse(uri: string): void {
    const allowed = this.allowedWarehouses;
    if (!allowed) return;
    const identity = warehouseIdentity(uri);
    const own = this.options.defaultWarehouse;
    const match =
      (own !== undefined && identity === warehouseIdentity(own)) ||
      allowed.some((entry) => ('prefix' in entry ? identity.startsWith(entry.prefix) : identity === entry.identity));
    if (!match) throw new ConfigError(`warehouse ${identity} is not one this worker serves (SPARKIFY_ALLOWED_WAREHOUSES)`);
  }

  /** Throws unless the location lies in (or is) an allowed directory or S3 prefix. */
  private checkLocation(uri: string, allowed: string[] | undefined, own: (string | undefined)[], what: string, variable: string): void {
    if (!allowed) return;
    const identity = locationIdentity(uri, what);
    const entries = [...allowed, ...own.filter((o): o is string => Boolean(o))];
    if (!entries.some((entry) => identity.startsWith(locationIdentity(entry, variable)))) {
      throw new ConfigError(`${what} ${identity} is not one this worker serves (${variable})`);
    }
  }

  /** Where a run's report goes: the run's choice if the worker allows it, else the default given. */
  resolveReportLocation(given: string | undefined, fallback: () => string): string {
    if (!given) return fallback();
    this.checkLocation(given, this.allow.reportLocations, [this.options.reportDir], 'report location', 'SPARKIFY_ALLOWED_REPORT_LOCATIONS');
    return given;
  }

  /** Lets the worker open a warehouse whose password the workflow input does not carry. */
  rememberCredentials(uri: string): void {
    this.credentials.set(redactUri(uri), uri);
  }

  resolveWarehouseUri(uri: string | undefined): string {
    const given = uri || this.options.defaultWarehouse;
    if (!given) throw new ConfigError('no warehouse given: pass one in the run input or set SPARKIFY_WAREHOUSE on the worker');
    this.checkWarehouse(given);
    return this.credentials.get(given) ?? given;
  }

  resolveSourceUri(uri: string | undefined): string {
    const given = uri || this.options.defaultSource;
    if (!given) throw new ConfigError('no source given: pass one in the run input or set SPARKIFY_SOURCE on the worker');
    this.checkLocation(given, this.allow.sources, [this.options.defaultSource], 'source', 'SPARKIFY_ALLOWED_SOURCES');
    return given;
  }

  warehouse(uri: string | undefined): Promise<Warehouse> {
    const full = this.resolveWarehouseUri(uri);
    this.idleFiles.hold(full);
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

  /**
   * Closes the warehouse if other processes wait for it (a DuckDB file), so another process can open
   * it; the next activity that names it opens it again. Connection pools of server warehouses stay.
   */
  async releaseFile(uri: string): Promise<void> {
    const opening = this.warehouses.get(uri);
    const warehouse = await opening?.catch(() => undefined);
    if (!warehouse?.heldByThisProcess || this.warehouses.get(uri) !== opening) return;
    this.warehouses.delete(uri);
    await warehouse.close();
  }

  async close(): Promise<void> {
    const open = [...this.warehouses.values()];
    this.warehouses.clear();
    await Promise.all(open.map((w) => w.then((warehouse) => warehouse.close()).catch(() => undefined)));
  }
}
