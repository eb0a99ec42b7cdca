/**
 * Mojibake for tests, both ways, built on the platform's WHATWG Windows-1252 decoder rather than on
 * the product's own table: `mangle` makes the damage the logs carry (UTF-8 bytes read as
 * Windows-1252), `unmangle` undoes it (Windows-1252 or Latin-1 readings) the way the README promises, as a test's independent oracle.
 */

const cp1252 = new TextDecoder('windows-1252');

/** Each of the 256 bytes as Windows-1252 reads it, and back. */
const BYTE_TO_CHAR = Array.from({ length: 256 }, (_, b) => cp1252.decode(Uint8Array.of(b)));
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));
if (BYTE_TO_CHAR[0x80] !== '\u20ac' || BYTE_TO_CHAR[0x92] !== '\u2019') {
  // Older Node decodes "windows-1252" as Latin-1; then this oracle would be blind to the CP1252 cases.
  throw new Error(`this Node (${process.version}) lacks a WHATWG windows-1252 decoder; run the tests under scripts/node.sh`);
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `text` damaged `rounds` times: its UTF-8 bytes read as Windows-1252 text. */
export function mangle(text: string, rounds: number): string {
  let current = text;
  for (let i = 0; i < rounds; i++) current = cp1252.decode(utf8.encode(current));
  return current;
}

/** The Windows-1252 bytes that spell `text`, or undefined when some character has none. */
function cp1252Bytes(text: string): Uint8Array | undefined {
  const chars = [...text];
  const bytes = new Uint8Array(chars.length);
  for (const [i, ch] of chars.entries()) {
    // C1 controls are how Latin-1 reads the five bytes Windows-1252 leaves undefined and the others
    // it gives letters to; the logs carry both readings (e.g. "TÃ\x83Âº" for "Tú").
    const code = ch.codePointAt(0)!;
    const b = CHAR_TO_BYTE.get(ch) ?? (code >= 0x80 && code <= 0x9f ? code : undefined);
    if (b === undefined) return undefined;
    bytes[i] = b;
  }
  return bytes;
}

/** How many rounds of mojibake the product promises to undo (src/etl/textRepair.ts's doc). */
export const REPAIR_ROUNDS = 3;

/**
 * Undoes mojibake while the text, spelled as Windows-1252 bytes, is valid UTF-8 that says
 * something else, at most `REPAIR_ROUNDS` times.
 */
export function unmangle(text: string): string {
  let current = text;
  for (let i = 0; i < REPAIR_ROUNDS; i++) {
    const bytes = cp1252Bytes(current);
    if (bytes === undefined) break;
    let decoded: string;
    try {
      decoded = strictUtf8.decode(bytes);
    } catch {
      break;
    }
    if (decoded === current) break;
    current = decoded;
  }
  return current;
}

/** Repaired text as the README describes it: mojibake undone, NFC, white space runs as one space, trimmed. */
export function repaired(text: string): string {
  return unmangle(text).normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** What a play and a song are compared on: repaired text, case-insensitively. */
export function matchKeyOf(text: string): string {
  return repaired(text).toLowerCase();
}
