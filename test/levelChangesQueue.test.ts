import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { ETL_DAG } from '../src/etl/dag';
import { silentLogger } from '../src/log';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { SAMPLE_DIR } from './harness/temporal';

// On DuckDB, queryLevelChanges waits for the songplays publish: beside it, at 8M events, one of
// the two ran out of the worker's 128 MiB pool and was retried (src/activities/reportActivities.ts).
test('on DuckDB, queryLevelChanges starts only once a songplays publish in progress has ended', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-level-queue-'));
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: `duckdb:${path.join(dir, 'w.duckdb')}`, defaultSource: SAMPLE_DIR });
  try {
    const activities = createActivities({ resources, log: silentLogger });
    await activities.createSchema({ warehouse: '' });
    const warehouse = await resources.warehouse('');
    expect(warehouse).toBeInstanceOf(DuckDbWarehouse);

    let endPublish!: () => void;
    const publishing = (warehouse as DuckDbWarehouse).serializedWrite(() => new Promise<void>((resolve) => (endPublish = resolve)), ETL_DAG.loadSongplays.writes);
    let queried = false;
    const query = activities.queryLevelChanges({ runId: 'run-1', source: '', warehouse: '', window: null }).then((rows) => {
      queried = true;
      return rows;
    });
    // The query over empty staging takes milliseconds; it must still be waiting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(queried).toBe(false);
    endPublish();
    await publishing;
    await expect(query).resolves.toEqual([]);
    expect(queried).toBe(true);
  } finally {
    await resources.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
