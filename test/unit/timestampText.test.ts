/**
 * PostgreSQL's and Redshift's timestamp text becomes the ISO-8601 DuckDB's reads give (UTC, Z, to
 * the millisecond, microseconds cut as DuckDB cuts them). A timestamptz's offset of whole hours
 * (`+01`, PostgreSQL's usual form) or to the second was not parsed, and the text came back as the
 * server wrote it, in its zone.
 */
import { microsToIso, timestampTextToIso } from '../../src/warehouse/values';

test.each([
  ['2018-11-15 08:30:26.796', '2018-11-15T08:30:26.796Z'],
  ['2018-11-15 09:30:26.796123+01', '2018-11-15T08:30:26.796Z'],
  ['2018-11-15 08:30:26.796+00', '2018-11-15T08:30:26.796Z'],
  ['2018-11-15 14:15:26-05:45', '2018-11-15T20:00:26.000Z'],
  ['2018-11-15 14:15:26+05:45', '2018-11-15T08:30:26.000Z'],
  ['1850-01-01 00:53:28+00:53:28', '1850-01-01T00:00:00.000Z'],
  ['0099-01-01 00:00:00', '0099-01-01T00:00:00.000Z'],
  ['0044-03-15 00:00:00+00 BC', '-000043-03-15T00:00:00.000Z'],
  ['10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
  ['infinity', 'infinity'],
])('%s → %s', (text, iso) => {
  expect(timestampTextToIso(text)).toBe(iso);
});

test('before 1970, microseconds are cut as DuckDB cuts them (microsToIso)', () => {
  expect(timestampTextToIso('1969-12-31 23:59:59.9995')).toBe(microsToIso(-500n));
});
