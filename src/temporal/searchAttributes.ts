import type { Client } from '@temporalio/client';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../etl/searchAttributes';
import type { Logger } from '../log';

// temporal.api.enums.v1.IndexedValueType (the proto package is not a direct dependency).
const INDEXED_TYPE = { Keyword: 2, Datetime: 6 } as const;

/**
 * Registers the Sparkify search attributes on the namespace when they are missing (the embedded
 * and `sparkify dev` servers start with them; a self-hosted server may not have them yet).
 * Returns false, after a warning, when the server refuses (e.g. no operator access): runs then
 * start without them rather than not at all.
 */
export async function ensureSearchAttributes(client: Client, log?: Logger): Promise<boolean> {
  const namespace = client.options.namespace;
  const service = client.connection.operatorService;
  try {
    const existing = await service.listSearchAttributes({ namespace });
    const known = new Set(Object.keys({ ...existing.customAttributes, ...existing.systemAttributes }));
    const missing = Object.entries(SPARKIFY_SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
    if (missing.length > 0) {
      await service.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPE[type]])),
      });
    }
    return true;
  } catch (err) {
    log?.warn({ err: (err as Error).message }, 'could not register the Sparkify search attributes; runs start without them');
    return false;
  }
}
