/**
 * Repairs the text damage found in Sparkify's logs, so plays match songs and clean names land in
 * the star tables:
 * - mojibake: UTF-8 bytes decoded as Latin-1/Windows-1252, sometimes twice ("BjÃ\u0083Â¶rk" is
 *   "Björk" after two rounds);
 * - Unicode normal form (NFC), so composed and decomposed accents compare equal;
 * - leading, trailing and doubled white space.
 */

// Windows-1252 puts printable characters where Latin-1 has C1 controls (0x80–0x9F). Text mangled
// through it carries these code points; map them back to the bytes they stood for.
const CP1252_TO_BYTE = new Map<number, number>([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86],
  [0x2021, 0x87], [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c],
  [0x017d, 0x8e], [0x2018, 0x91], [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95],
  [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98], [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b],
  [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
]);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// A UTF-8 lead byte (as a Latin-1 character) followed by a continuation byte: the mark of mojibake.
const MOJIBAKE_HINT = /[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]/;

/** One round of undoing "UTF-8 read as Latin-1". Returns the input when it isn't such text. */
export function undoMojibakeOnce(text: string): string {
  if (!MOJIBAKE_HINT.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  let i = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const byte = code <= 0xff ? code : CP1252_TO_BYTE.get(code);
    if (byte === undefined) return text;
    bytes[i++] = byte;
  }
  try {
    return strictUtf8.decode(bytes.subarray(0, i));
  } catch {
    // Not valid UTF-8 once re-encoded: genuine Latin-1 text such as "Santafè". Leave it.
    return text;
  }
}

const MAX_ROUNDS = 3;

export function undoMojibake(text: string): string {
  let current = text;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = undoMojibakeOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** The repaired form of a free-text field: what lands in the star tables. */
export function repairText(text: string): string {
  return undoMojibake(text).normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/**
 * The logs wrap every user agent in an extra pair of double quotes (`"\"Mozilla/5.0 …\""`);
 * the repaired form drops them.
 */
export function repairUserAgent(text: string): string {
  return unwrapUserAgent(repairText(text));
}

/** A repaired user agent without the wrapping quotes: `repairUserAgent(t)` is `unwrapUserAgent(repairText(t))`. */
function unwrapUserAgent(repaired: string): string {
  return repaired.length >= 2 && repaired.startsWith('"') && repaired.endsWith('"') ? repaired.slice(1, -1).trim() : repaired;
}

/** What song matching compares: repaired text, case-folded the same way on every warehouse. */
export function matchKey(text: string): string {
  return repairText(text).toLowerCase();
}

/**
 * What etl_text_repairs keeps for one distinct value: its repaired form (a user agent's without the
 * wrapping quotes) and its match key, from one repair of the value instead of one per form.
 */
export function repairedForms(kind: string, raw: string): { repaired: string; matchKey: string } {
  const repaired = repairText(raw);
  return { repaired: kind === 'user_agent' ? unwrapUserAgent(repaired) : repaired, matchKey: repaired.toLowerCase() };
}
