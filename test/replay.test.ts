import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromCliJson } from './histories/load';

/**
 * Recorded histories of real runs, replayed through the current workflow code: a change to a
 * workflow that would break runs in flight (non-determinism) fails here. See docs/operations.md.
 * `npm run record-histories` (test/histories/record.ts) records them afresh from real runs.
 */
const HISTORIES = path.resolve(__dirname, 'histories');
const WORKFLOWS = require.resolve('../src/workflows');

/** The histories as `temporal workflow show --output json` writes them; the SDK reads that form. */
function recorded() {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, workflowId: file.replace(/\.json$/, ''), history: historyFromCliJson(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'))) }));
}

async function replay(workflowsPath: string) {
  const results = [];
  const histories = recorded();
  for await (const r of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(r);
  return results;
}

describe('replaying recorded histories', () => {
  beforeAll(() => Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] }));

  test('every recorded history replays through the current workflow code', async () => {
    const files = recorded().map((h) => h.file);
    expect(files).toEqual(['backfill-completed.json', 'backfill-continued.json', 'etlRun-date.json', 'scheduledEtlRun.json']);
    const results = await replay(WORKFLOWS);
    expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message }))).toEqual(files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), error: undefined })));
  });

  test('a DAG changed without patched() fails the replay with a non-determinism error', async () => {
    const results = await replay(path.join(HISTORIES, 'changedDag.ts'));
    const etl = results.find((r) => r.workflowId === 'etlRun-date');
    expect(etl?.error?.name).toBe('DeterminismViolationError');
  });
});
