/**
 * The report_text fragment (src/warehouse/sql.ts), which the insights use for names, titles, places
 * and user agents: the same cut on every engine, counted in characters, not bytes.
 */
import { renderSql, REPORT_TEXT_CHARS, sqlLiteral } from '../src/warehouse/sql';
import { threeWarehousesInFile } from './support/threeWarehouses';

const warehouses = threeWarehousesInFile({ label: 'reporttext', schema: [] });

// Two- and four-byte characters: a cut by bytes, or by UTF-16 units, would land elsewhere.
const exactly = 'é'.repeat(REPORT_TEXT_CHARS - 2) + '\u{1F600}x';
const longer = `${exactly}y`;

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (engine) => {
  test(`a value of ${REPORT_TEXT_CHARS} characters is shown whole; a longer one as its first ${REPORT_TEXT_CHARS - 1} and '…'`, async () => {
    const warehouse = warehouses[engine];
    const shown = async (value: string | null): Promise<unknown> => {
      const sql = renderSql(`SELECT {{report_text(v)}} AS shown FROM (SELECT CAST(${sqlLiteral(value, warehouse.dialect)} AS {{text}}) AS v) AS t`, warehouse.dialect);
      return (await warehouse.query(sql))[0].shown;
    };
    expect(await shown(exactly)).toBe(exactly);
    expect(await shown(longer)).toBe(`${[...exactly].slice(0, REPORT_TEXT_CHARS - 1).join('')}…`);
    expect(await shown('short')).toBe('short');
    expect(await shown(null)).toBeNull();
  });
});
