/**
 * The COPY text appendRows streams to PostgreSQL (src/warehouse/copyTextRows.ts): whole rows in
 * pieces of about COPY_PIECE_CHARS, not a piece (one socket write) per row.
 */
import { COPY_PIECE_CHARS, copyTextField, copyTextPieces } from '../../src/warehouse/copyTextRows';

async function collect(pieces: AsyncGenerator<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const piece of pieces) all.push(piece);
  return all;
}

test('values are written as COPY text: \\N for NULL, numbers as digits, backslash, tab, newline and carriage return escaped', () => {
  expect([null, undefined, 42, -1.5, '', 'plain', 'a\tb', 'a\nb', 'a\rb', 'C:\\dir', '\\N'].map((v) => copyTextField(v as never))).toEqual([
    '\\N', '\\N', '42', '-1.5', '', 'plain', 'a\\tb', 'a\\nb', 'a\\rb', 'C:\\\\dir', '\\\\N',
  ]);
});

test('thousands of short rows go out in a few pieces, each of whole rows, that join to every row in order', async () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => [`run-${i}`, i, i % 3 === 0 ? null : 'song_data/A/B/C/TR.json']);
  let counted = 0;
  const pieces = await collect(copyTextPieces(rows, () => counted++));
  expect(counted).toBe(10_000);
  const lines = rows.map((r) => r.map(copyTextField).join('\t') + '\n');
  expect(pieces.join('')).toBe(lines.join(''));
  // About 40 characters a row: a handful of pieces, not one per row.
  expect(pieces.length).toBeLessThanOrEqual(Math.ceil(lines.join('').length / COPY_PIECE_CHARS) + 1);
  expect(pieces.length).toBeGreaterThan(1);
  for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
  for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(COPY_PIECE_CHARS);
});

test('a row longer than a piece is not split, and the rows after it start a new piece', async () => {
  const long = 'x'.repeat(100);
  const pieces = await collect(copyTextPieces([['a'], [long], ['b']], undefined, 10));
  expect(pieces).toEqual(['a\n' + long + '\n', 'b\n']);
});

test('rows from an async source, and none at all', async () => {
  async function* source() {
    yield ['one', 1];
    yield ['two', 2];
  }
  expect(await collect(copyTextPieces(source()))).toEqual(['one\t1\ntwo\t2\n']);
  expect(await collect(copyTextPieces([]))).toEqual([]);
});
