import { SCHEDULE_LIMITS } from '../../src/defaults';
import { SCHEDULE_DEFAULTS, validateSchedule, type DailySchedule } from '../../src/schedules/daily';

const settings: DailySchedule = { ...SCHEDULE_DEFAULTS, taskQueue: 'sparkify', etl: {} };

describe('validateSchedule, which every caller of createDailySchedule and updateDailySchedule goes through', () => {
  test.each([SCHEDULE_LIMITS.offsetDays.min, -1, 0, SCHEDULE_LIMITS.offsetDays.max])('takes --offset-days %d', (offsetDays) => {
    expect(() => validateSchedule({ ...settings, offsetDays })).not.toThrow();
  });

  test.each([SCHEDULE_LIMITS.offsetDays.min - 1, SCHEDULE_LIMITS.offsetDays.max + 1, 100_000, 0.5, Number.NaN])(
    'refuses --offset-days %d with the range the scheduled run accepts',
    (offsetDays) => {
      expect(() => validateSchedule({ ...settings, offsetDays })).toThrow(
        expect.objectContaining({
          name: 'ConfigError',
          message: `--offset-days: "${offsetDays}" is not a whole number of days from -366 to 366 (-1: the previous day)`,
        }),
      );
    },
  );
});
