import { clockChanges } from '../../src/schedules/clockChanges';
import { clockChangeWarning, SCHEDULE_DEFAULTS, validateSchedule, type DailySchedule } from '../../src/schedules/daily';

const settings: DailySchedule = { ...SCHEDULE_DEFAULTS, taskQueue: 'sparkify', etl: {} };
const in2018 = { now: new Date('2018-01-01T00:00:00Z') };

describe("clockChanges, a zone's skipped and repeated local times read through Intl", () => {
  test.each([
    [
      'Europe/Berlin',
      [
        { kind: 'skipped', date: '2018-03-25', fromMinute: 120, toMinute: 180 },
        { kind: 'repeated', date: '2018-10-28', fromMinute: 120, toMinute: 180 },
      ],
    ],
    [
      'America/Los_Angeles',
      [
        { kind: 'skipped', date: '2018-03-11', fromMinute: 120, toMinute: 180 },
        { kind: 'repeated', date: '2018-11-04', fromMinute: 60, toMinute: 120 },
      ],
    ],
    // Half an hour, both ways.
    [
      'Australia/Lord_Howe',
      [
        { kind: 'repeated', date: '2018-04-01', fromMinute: 90, toMinute: 120 },
        { kind: 'skipped', date: '2018-10-07', fromMinute: 120, toMinute: 150 },
      ],
    ],
    ['UTC', []],
    ['Asia/Kolkata', []],
  ])('%s in 2018', (timeZone, changes) => {
    expect(clockChanges(timeZone, in2018.now, 365)).toEqual(changes);
  });
});

describe('validateSchedule refuses an --at that a clock change skips or repeats, so every logical date runs exactly once', () => {
  test.each([
    [
      '02:00',
      'Europe/Berlin',
      '--at: 02:00 does not exist in Europe/Berlin on 2018-03-25 (the clock jumps over 02:00–02:59), so no run would start that day and 2018-03-24 would not be loaded. ' +
        'Choose a time outside 02:00–02:59, e.g. 03:00, or a --time-zone without clock changes such as UTC',
    ],
    [
      '02:30',
      'America/Los_Angeles',
      '--at: 02:30 does not exist in America/Los_Angeles on 2018-03-11 (the clock jumps over 02:00–02:59), so no run would start that day and 2018-03-10 would not be loaded. ' +
        'Choose a time outside 02:00–02:59, e.g. 03:00, or a --time-zone without clock changes such as UTC',
    ],
    [
      '01:30',
      'America/Los_Angeles',
      // 02:00 would be skipped in March: the time suggested is clear of both changes.
      '--at: 01:30 occurs twice in America/Los_Angeles on 2018-11-04 (the clock goes back over 01:00–01:59), so 2018-11-03 would be run twice. ' +
        'Choose a time outside 01:00–01:59, e.g. 03:00, or a --time-zone without clock changes such as UTC',
    ],
    [
      '23:30',
      'America/Santiago',
      '--at: 23:30 occurs twice in America/Santiago on 2018-05-12 (the clock goes back over 23:00–23:59), so 2018-05-11 would be run twice. ' +
        'Choose a time outside 23:00–23:59, e.g. 01:00, or a --time-zone without clock changes such as UTC',
    ],
  ])('refuses %s in %s, naming the date, what it loses and what to choose', (at, timeZone, message) => {
    expect(() => validateSchedule({ ...settings, at, timeZone }, in2018)).toThrow(expect.objectContaining({ name: 'ConfigError', message }));
  });

  test.each([
    ['01:59', 'Europe/Berlin'],
    ['03:00', 'Europe/Berlin'],
    ['03:00', 'America/Los_Angeles'],
    ['02:30', 'UTC'],
    ['02:30', 'Asia/Kolkata'],
  ])('takes %s in %s', (at, timeZone) => {
    expect(() => validateSchedule({ ...settings, at, timeZone }, in2018)).not.toThrow();
  });

  test('checkClockChanges: false leaves the check out (an update that changes neither --at nor --time-zone)', () => {
    expect(() => validateSchedule({ ...settings, at: '02:30', timeZone: 'Europe/Berlin' }, { ...in2018, checkClockChanges: false })).not.toThrow();
  });
});

describe('clockChangeWarning, which describe and update show for a schedule made before the check', () => {
  test('names the date, what goes wrong and the update that fixes it', () => {
    expect(clockChangeWarning({ ...settings, scheduleId: 'berlin', at: '02:00', timeZone: 'Europe/Berlin' }, in2018.now)).toBe(
      '02:00 does not exist in Europe/Berlin on 2018-03-25 (the clock jumps over 02:00–02:59), so no run would start that day and 2018-03-24 would not be loaded: ' +
        '`sparkify schedule update --id berlin --at 03:00` moves it out of 02:00–02:59',
    );
  });

  test('is null for a time every date has once', () => {
    expect(clockChangeWarning({ ...settings, at: '03:00', timeZone: 'Europe/Berlin' }, in2018.now)).toBeNull();
  });
});
