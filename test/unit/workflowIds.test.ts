/** A run's workflow id names its window (workflowIdFor); `sparkify runs list` reads it back for runs recorded without one. */
import { windowOfWorkflowId, workflowIdFor } from '../../src/etl/workflowIds';

test.each([{ from: '2018-11-01', to: '2018-11-01' }, { from: '2018-11-01', to: '2018-11-30' }])('the window %j survives its workflow id', (window) => {
  expect(windowOfWorkflowId(workflowIdFor(window))).toEqual(window);
});

test.each(['sparkify-etl-all', 'sparkify-etl-scheduled', 'sparkify-backfill-2018-11-01_2018-11-30', 'etl-2018-11-01', '', undefined])('%p names no window', (id) => {
  expect(windowOfWorkflowId(id)).toBeNull();
});
