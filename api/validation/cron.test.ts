import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronScheduleErrors, parseCronSchedule } from './cron.js';

test('valid schedules parse, descriptors expand', () => {
  for (const s of ['* * * * *', '*/5 * * * *', '0 0 1 1 *', '0-30/10 9-17 * JAN-mar MON-FRI', '15,45 */2 ? * sun', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 1h30m']) {
    assert.deepEqual(cronScheduleErrors(s), [], s);
  }
  const hourly = parseCronSchedule('@hourly');
  assert.ok('fields' in hourly);
  assert.deepEqual([...hourly.fields[0]!], [0]);
  assert.equal(hourly.fields[1]!.size, 24);
  const steps = parseCronSchedule('0-30/10 9-17 * jan-mar mon-fri');
  assert.ok('fields' in steps);
  assert.deepEqual([...steps.fields[0]!], [0, 10, 20, 30]);
  assert.deepEqual([...steps.fields[3]!], [1, 2, 3]);
  assert.deepEqual([...steps.fields[4]!], [1, 2, 3, 4, 5]);
  const single = parseCronSchedule('5/15 * * * *');
  assert.ok('fields' in single);
  assert.deepEqual([...single.fields[0]!], [5, 20, 35, 50]);
});

test('invalid schedules give the cron library messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['every day', 'expected exactly 5 fields, found 2: [every day]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* 5-2 * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['TZ=UTC 0 * * * *', 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
  ];
  for (const [schedule, message] of cases) assert.deepEqual(cronScheduleErrors(schedule), [message], schedule);
});
