import { planTrigger } from '../../src/schedules/trigger';

describe('what a schedule trigger does, said before it is sent', () => {
  const running = { running: ['sparkify-etl-scheduled-2026-12-04T02:00:00Z'], buffered: 0 };

  test.each([
    ['SKIP', { running: [], buffered: 0 }, { trigger: true, effect: 'a run starts now' }],
    ['SKIP', running, { trigger: false, why: `its run ${running.running[0]} is still going and overlap SKIP skips a start meanwhile` }],
    ['BUFFER_ONE', running, { trigger: true, effect: `a run starts when ${running.running[0]} ends` }],
    ['BUFFER_ONE', { ...running, buffered: 1 }, { trigger: false, why: `its run ${running.running[0]} is still going and a start already waits for it (overlap BUFFER_ONE keeps one)` }],
    ['BUFFER_ALL', { ...running, buffered: 2 }, { trigger: true, effect: `a run starts when ${running.running[0]} ends and the 2 start(s) waiting before it have run` }],
    ['CANCEL_OTHER', running, { trigger: true, effect: `${running.running[0]} is cancelled and a run starts once it has stopped` }],
    ['TERMINATE_OTHER', running, { trigger: true, effect: `${running.running[0]} is terminated and a run starts now` }],
    ['ALLOW_ALL', running, { trigger: true, effect: `a run starts now beside ${running.running[0]}` }],
  ] as const)('overlap %s with %j', (overlap, activity, plan) => {
    expect(planTrigger(overlap, { running: [...activity.running], buffered: activity.buffered })).toEqual(plan);
  });
});
