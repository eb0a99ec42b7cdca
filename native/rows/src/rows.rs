//! Staging rows written straight from JSON lines' bytes: the same bytes src/staging/jsonRowBytes.ts
//! writes, for the lines it writes. A line this code is not sure of (anything jsonRowBytes.ts sends
//! the general path, a number JavaScript would print differently from its text, a line holding the
//! text `\u0000`) is handed back to the caller, which stages or rejects it the general way.
//! test/unit/jsonRowBytes.test.ts compares the two on the corpus and on mutated lines.

const TAB: u8 = 0x09;
const NEWLINE: u8 = 0x0a;
const CR: u8 = 0x0d;
const SPACE: u8 = 0x20;
const QUOTE: u8 = b'"';
const PLUS: u8 = b'+';
const COMMA: u8 = b',';
const MINUS: u8 = b'-';
const DOT: u8 = b'.';
const SLASH: u8 = b'/';
const ZERO: u8 = b'0';
const COLON: u8 = b':';
const BACKSLASH: u8 = b'\\';
const OPEN: u8 = b'{';
const CLOSE: u8 = b'}';

/// What a field's value was.
const MISSING: u8 = 0;
const NULL: u8 = 1;
const PLAIN: u8 = 2; // a string without escapes
const ESCAPED: u8 = 3; // a string with escapes
const NUMBER: u8 = 4;
const ZERO_NUMBER: u8 = 5; // 0, -0, 0.0: JavaScript prints 0

/// Most significant digits whose decimal text JavaScript prints back unchanged (DBL_DIG).
const EXACT_DIGITS: usize = 15;
/// Bytes a line number takes at most (an INTEGER).
const MAX_LINE_NUMBER_BYTES: usize = 11;

pub const TYPE_STRING: u8 = 0;
pub const TYPE_INTEGER: u8 = 1;
pub const TYPE_NUMBER: u8 = 2;

pub struct Field {
    pub key: Vec<u8>,
    pub kind: u8,
    pub required: bool,
    /// An integer column of SQL type INTEGER (else BIGINT).
    pub int32: bool,
    /// An event's time: a whole number within Fields::event_times.
    pub event_time: bool,
}

/// The fields of a record kind, as the caller describes them (src/staging/nativeRows.ts fieldsConfig):
/// byte 0 the flavour (1: DuckDB's CSV, 0: COPY text), byte 1 the userId field's index (255: none),
/// byte 2 the field count, then per field its type, flags (1 required, 2 INTEGER, 4 event time), key
/// length and key; then the event times' least and greatest value (two little-endian i64).
pub struct Fields {
    pub fields: Vec<Field>,
    pub user_id: Option<usize>,
    pub csv: bool,
    pub event_times: (i64, i64),
}

impl Fields {
    pub fn from_config(config: &[u8]) -> Option<Fields> {
        if config.len() < 3 {
            return None;
        }
        let csv = config[0] == 1;
        let user_id = if config[1] == 255 { None } else { Some(config[1] as usize) };
        let count = config[2] as usize;
        let mut fields = Vec::with_capacity(count);
        let mut at = 3;
        for _ in 0..count {
            let head = config.get(at..at + 3)?;
            if head[0] > TYPE_NUMBER {
                return None;
            }
            let key = config.get(at + 3..at + 3 + head[2] as usize)?.to_vec();
            at += 3 + key.len();
            fields.push(Field {
                key,
                kind: head[0],
                required: head[1] & 1 != 0,
                int32: head[1] & 2 != 0,
                event_time: head[1] & 4 != 0,
            });
        }
        let bounds = config.get(at..at + 16)?;
        let event_times = (
            i64::from_le_bytes(bounds[0..8].try_into().ok()?),
            i64::from_le_bytes(bounds[8..16].try_into().ok()?),
        );
        if at + 16 != config.len() || user_id.is_some_and(|u| u >= count) {
            return None;
        }
        Some(Fields {
            fields,
            user_id,
            csv,
            event_times,
        })
    }
}

#[derive(Clone, Copy, Default)]
struct Value {
    kind: u8,
    start: usize,
    end: usize,
}

/// How a call to encode_lines ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every line of the region was written or skipped (blank).
    Done,
    /// The line at `start` needs the general path.
    GeneralPath,
    /// The next row needs this many bytes free in `out`.
    NeedRoom(usize),
}

/// Where a call to encode_lines is, and where it ended.
pub struct Cursor {
    /// The offset in the region of the next line.
    pub start: usize,
    pub line_no: u32,
    /// Where the next byte of `out` goes.
    pub out_at: usize,
    /// Rows written: a staging counts each file's rows (etl_file_counts) as it writes them.
    pub rows: u32,
}

const fn is_whitespace(b: u8) -> bool {
    b == SPACE || b == TAB || b == CR || b == NEWLINE
}

const fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn hex_value(b: u8) -> i32 {
    match b {
        b'0'..=b'9' => (b - b'0') as i32,
        b'a'..=b'f' => (b - b'a' + 10) as i32,
        b'A'..=b'F' => (b - b'A' + 10) as i32,
        _ => -1,
    }
}

/// The code unit of the four hex digits at `at` (the caller checked they are in the line), or -1.
fn hex4(src: &[u8], at: usize) -> i32 {
    let (a, b, c, d) = (
        hex_value(src[at]),
        hex_value(src[at + 1]),
        hex_value(src[at + 2]),
        hex_value(src[at + 3]),
    );
    if a < 0 || b < 0 || c < 0 || d < 0 {
        return -1;
    }
    (a << 12) | (b << 8) | (c << 4) | d
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes at `at` as one word, the first in its lowest byte.
#[inline]
fn word(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().unwrap())
}

/// A word with the high bit set in (at least) the lowest byte of `w` equal to `byte`: a borrow may
/// mark later bytes too, so only the lowest mark counts.
#[inline]
fn bytes_equal(w: u64, byte: u8) -> u64 {
    let x = w ^ (ONES * byte as u64);
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Where the next quote, backslash or control character is in `s` from `i`, or s.len(): the end
/// of a string's plain run. Eight bytes at a time.
#[inline]
fn string_stop(s: &[u8], mut i: usize) -> usize {
    while i + 8 <= s.len() {
        let w = word(s, i);
        let marks = (w.wrapping_sub(ONES * SPACE as u64) & !w & HIGHS) | bytes_equal(w, QUOTE) | bytes_equal(w, BACKSLASH);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && s[i] != QUOTE && s[i] != BACKSLASH && s[i] >= SPACE {
        i += 1;
    }
    i
}

/// Where the next newline is in `s` from `i`, if any. Eight bytes at a time.
#[inline]
fn newline_from(s: &[u8], mut i: usize) -> Option<usize> {
    while i + 8 <= s.len() {
        let marks = bytes_equal(word(s, i), NEWLINE);
        if marks != 0 {
            return Some(i + (marks.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    (i..s.len()).find(|&k| s[k] == NEWLINE)
}

/// Where the digits from `i` end.
#[inline]
fn digits_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_digit(s[i]) {
        i += 1;
    }
    i
}

/// Where the whitespace (JSON's four characters) from `i` ends.
#[inline]
fn skip_whitespace(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_whitespace(s[i]) {
        i += 1;
    }
    i
}

/// isBlankBytes (src/staging/chunkLines.ts): only spaces, tabs, CR, VT, FF, or nothing.
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&c| c == SPACE || c == TAB || c == CR || c == 0x0b || c == 0x0c)
}

pub struct LineParser<'f> {
    fields: &'f Fields,
    values: Vec<Value>,
    seen: Vec<bool>,
}

impl<'f> LineParser<'f> {
    pub fn new(fields: &'f Fields) -> LineParser<'f> {
        let n = fields.fields.len();
        LineParser {
            fields,
            values: vec![Value::default(); n],
            seen: vec![false; n],
        }
    }

    fn key_is(&self, src: &[u8], start: usize, end: usize, field: usize) -> bool {
        &src[start..end] == self.fields.fields[field].key.as_slice()
    }

    fn find_key(&self, src: &[u8], start: usize, end: usize) -> Option<usize> {
        (0..self.fields.fields.len()).find(|&f| self.key_is(src, start, end, f))
    }

    /// Reads the JSON object in `line` (without its newline): true when `write` can write its row.
    pub fn parse(&mut self, src: &[u8]) -> bool {
        self.seen.iter_mut().for_each(|s| *s = false);
        let end = src.len();
        let mut i = 0;
        i = skip_whitespace(src, i);
        if i >= end || src[i] != OPEN {
            return false;
        }
        i += 1;
        i = skip_whitespace(src, i);
        let mut expected = 0;
        loop {
            // The key: plain text only (an escaped key may still name a field).
            if i >= end || src[i] != QUOTE {
                return false;
            }
            i += 1;
            let key_start = i;
            let mut field: Option<usize> = None;
            // Fields mostly come in their usual order: the next one's key, then its closing quote.
            if expected < self.fields.fields.len() {
                let key_end = key_start + self.fields.fields[expected].key.len();
                if key_end < end && src[key_end] == QUOTE && self.key_is(src, key_start, key_end, expected) {
                    i = key_end;
                    field = Some(expected);
                }
            }
            if field.is_none() {
                i = string_stop(src, i);
                if i >= end || src[i] != QUOTE {
                    return false;
                }
                field = self.find_key(src, key_start, i);
            }
            i += 1;
            i = skip_whitespace(src, i);
            if i >= end || src[i] != COLON {
                return false;
            }
            i += 1;
            i = skip_whitespace(src, i);
            if i >= end {
                return false;
            }
            let c = src[i];
            let mut value = Value {
                kind: PLAIN,
                start: i,
                end: i,
            };
            if c == QUOTE {
                i += 1;
                value.start = i;
                loop {
                    i = string_stop(src, i);
                    if i >= end {
                        return false;
                    }
                    let b = src[i];
                    if b == QUOTE {
                        break;
                    }
                    if b == BACKSLASH {
                        value.kind = ESCAPED;
                        if i + 1 >= end {
                            return false;
                        }
                        let x = src[i + 1];
                        if x == b'u' {
                            if i + 6 > end {
                                return false;
                            }
                            let unit = hex4(src, i + 2);
                            // A NUL is the general path's reject; a lone surrogate its to encode (as U+FFFD).
                            if unit <= 0 || (0xdc00..=0xdfff).contains(&unit) {
                                return false;
                            }
                            if (0xd800..=0xdbff).contains(&unit) {
                                if i + 12 > end || src[i + 6] != BACKSLASH || src[i + 7] != b'u' {
                                    return false;
                                }
                                let low = hex4(src, i + 8);
                                if !(0xdc00..=0xdfff).contains(&low) {
                                    return false;
                                }
                                i += 6;
                            }
                            i += 6;
                        } else if x == BACKSLASH && src.get(i + 2..i + 7) == Some(b"u0000") {
                            // The text `\u0000` anywhere in a line rejects it (recordObject), even
                            // after an escaped backslash; a `\u0000` escape is refused above.
                            return false;
                        } else if matches!(x, QUOTE | BACKSLASH | SLASH | b'b' | b'f' | b'n' | b'r' | b't') {
                            i += 2;
                        } else {
                            return false;
                        }
                    } else {
                        return false; // a control character
                    }
                }
                value.end = i;
                i += 1;
            } else if c == b'n' {
                if i + 4 > end || &src[i + 1..i + 4] != b"ull" {
                    return false;
                }
                i += 4;
                value.kind = NULL;
                value.end = i;
            } else if c == MINUS || is_digit(c) {
                match number_end(src, i) {
                    Some(e) => i = e,
                    None => return false,
                }
                value.kind = NUMBER;
                value.end = i;
            } else {
                return false;
            }
            if let Some(f) = field {
                // JSON.parse keeps a repeated key's last value: rare enough for the general path.
                if self.seen[f] {
                    return false;
                }
                self.seen[f] = true;
                self.values[f] = value;
                expected = f + 1;
            }
            i = skip_whitespace(src, i);
            if i >= end {
                return false;
            }
            if src[i] == COMMA {
                i += 1;
                i = skip_whitespace(src, i);
                continue;
            }
            if src[i] == CLOSE {
                i += 1;
                break;
            }
            return false;
        }
        i = skip_whitespace(src, i);
        i == end && self.check_types(src)
    }

    /// Each field's value against its column, as convert (src/etl/records.ts) would take it.
    fn check_types(&mut self, src: &[u8]) -> bool {
        for f in 0..self.fields.fields.len() {
            if !self.seen[f] {
                self.values[f].kind = MISSING;
            }
            let spec = &self.fields.fields[f];
            let value = self.values[f];
            match value.kind {
                MISSING | NULL => {
                    if spec.required {
                        return false;
                    }
                }
                PLAIN | ESCAPED => {
                    if spec.kind != TYPE_STRING {
                        return false;
                    }
                    if self.fields.user_id == Some(f) && (value.kind == ESCAPED || !short_digits(&src[value.start..value.end])) {
                        return false;
                    }
                }
                _ => {
                    if spec.kind == TYPE_STRING {
                        return false;
                    }
                    match canonical_number(&src[value.start..value.end], spec) {
                        Some(Canonical::Slice(len)) => {
                            if spec.event_time && !within(whole_number(&src[value.start..value.start + len]), self.fields.event_times) {
                                return false;
                            }
                            self.values[f].end = value.start + len
                        }
                        Some(Canonical::Zero) => {
                            if spec.event_time && !within(0, self.fields.event_times) {
                                return false;
                            }
                            self.values[f].kind = ZERO_NUMBER
                        }
                        None => return false,
                    }
                }
            }
        }
        true
    }

    /// Most bytes `write` adds for a line of `line_bytes`: each value at most its JSON text, and a tab.
    pub fn max_row_bytes(&self, line_bytes: usize) -> usize {
        line_bytes + self.fields.fields.len() * 4
    }

    /// Writes the parsed line's values, each after a tab, at out[at..] (room checked by the caller).
    pub fn write(&self, src: &[u8], out: &mut [u8], mut at: usize) -> usize {
        for value in &self.values {
            out[at] = TAB;
            at += 1;
            match value.kind {
                MISSING | NULL => {
                    out[at] = BACKSLASH;
                    out[at + 1] = b'N';
                    at += 2;
                }
                ZERO_NUMBER => {
                    out[at] = ZERO;
                    at += 1;
                }
                ESCAPED => {
                    let text = &src[value.start..value.end];
                    at = if self.fields.csv {
                        unescape_to_csv(text, out, at)
                    } else {
                        unescape_to_copy_text(text, out, at)
                    };
                }
                _ => {
                    let text = &src[value.start..value.end];
                    out[at..at + text.len()].copy_from_slice(text);
                    at += text.len();
                }
            }
        }
        at
    }
}

enum Canonical {
    /// The number's first `len` bytes are what JavaScript prints for it.
    Slice(usize),
    Zero,
}

/// A number's text, if it is already what JavaScript prints for its value and the column takes it
/// as it is; None sends the line to the general path (which checks and prints it, or rejects it).
fn canonical_number(text: &[u8], spec: &Field) -> Option<Canonical> {
    let end = text.len();
    let mut i = 0;
    if text[i] == MINUS {
        i += 1;
    }
    let int_start = i;
    i = digits_end(text, i);
    let int_end = i;
    let mut frac_end = int_end;
    if i < end && text[i] == DOT {
        i += 1;
        let frac_start = i;
        i = digits_end(text, i);
        frac_end = i;
        while frac_end > frac_start && text[frac_end - 1] == ZERO {
            frac_end -= 1;
        }
        if frac_end == frac_start {
            frac_end = int_end; // only zeros after the point: a whole number
        }
    }
    if i != end {
        return None; // an exponent
    }
    let int_digits = int_end - int_start;
    let frac_digits = if frac_end == int_end { 0 } else { frac_end - int_end - 1 };
    if text[int_start] != ZERO && int_digits + frac_digits <= EXACT_DIGITS {
        if spec.kind == TYPE_INTEGER && (frac_digits > 0 || (spec.int32 && int_digits > 9)) {
            return None;
        }
        return Some(Canonical::Slice(frac_end));
    }
    if text[int_start] == ZERO && frac_end == int_end {
        return Some(Canonical::Zero);
    }
    None
}

/// The value of a canonical whole number's text ('-' first, then at most 15 digits).
fn whole_number(text: &[u8]) -> i64 {
    let (negative, digits) = match text.first() {
        Some(&MINUS) => (true, &text[1..]),
        _ => (false, text),
    };
    let n = digits.iter().fold(0i64, |n, d| n * 10 + (d - ZERO) as i64);
    if negative {
        -n
    } else {
        n
    }
}

fn within(n: i64, (least, greatest): (i64, i64)) -> bool {
    n >= least && n <= greatest
}

/// The end of the JSON number at `start`, or None when the text is not one (JSON's grammar: no
/// leading zeros, no `+`, no bare `.`).
fn number_end(src: &[u8], start: usize) -> Option<usize> {
    let end = src.len();
    let mut i = start;
    if src[i] == MINUS {
        i += 1;
    }
    if i >= end {
        return None;
    }
    if src[i] == ZERO {
        i += 1;
    } else if is_digit(src[i]) {
        i = digits_end(src, i);
    } else {
        return None;
    }
    if i < end && src[i] == DOT {
        i += 1;
        let digits = i;
        i = digits_end(src, i);
        if i == digits {
            return None;
        }
    }
    if i < end && (src[i] == b'e' || src[i] == b'E') {
        i += 1;
        if i < end && (src[i] == PLUS || src[i] == MINUS) {
            i += 1;
        }
        let digits = i;
        i = digits_end(src, i);
        if i == digits {
            return None;
        }
    }
    // A number runs into the next token: a digit or letter right after it is not JSON.
    if i < end && !(is_whitespace(src[i]) || src[i] == COMMA || src[i] == CLOSE) {
        return None;
    }
    Some(i)
}

/// Empty, or at most 9 digits: a userId that checkEventUserId accepts as it is.
fn short_digits(text: &[u8]) -> bool {
    text.len() <= 9 && text.iter().all(|&b| is_digit(b))
}

/// The JSON escape at text[at] (a backslash; parse checked it): the code point it stands for (a
/// surrogate pair's both), and where it ends.
fn decode_escape(text: &[u8], at: usize) -> (u32, usize) {
    match text[at + 1] {
        b'u' => {
            let unit = hex4(text, at + 2) as u32;
            if !(0xd800..=0xdbff).contains(&unit) {
                return (unit, at + 6);
            }
            let low = hex4(text, at + 8) as u32;
            (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), at + 12)
        }
        b'n' => (NEWLINE as u32, at + 2),
        b't' => (TAB as u32, at + 2),
        b'r' => (CR as u32, at + 2),
        b'b' => (0x08, at + 2),
        b'f' => (0x0c, at + 2),
        x => (x as u32, at + 2), // " \ /
    }
}

/// A code point of 0x80 or more as UTF-8 at out[at..]; returns where it ends.
fn write_utf8(point: u32, out: &mut [u8], mut at: usize) -> usize {
    if point < 0x800 {
        out[at] = 0xc0 | (point >> 6) as u8;
        at += 1;
    } else if point < 0x10000 {
        out[at] = 0xe0 | (point >> 12) as u8;
        out[at + 1] = 0x80 | ((point >> 6) & 0x3f) as u8;
        at += 2;
    } else {
        out[at] = 0xf0 | (point >> 18) as u8;
        out[at + 1] = 0x80 | ((point >> 12) & 0x3f) as u8;
        out[at + 2] = 0x80 | ((point >> 6) & 0x3f) as u8;
        at += 3;
    }
    out[at] = 0x80 | (point & 0x3f) as u8;
    at + 1
}

/// A JSON string's escaped bytes copied to out[at..], each escape decoded and written by
/// `write_point` (given the code point, out and where it goes; returns where it ends).
fn unescape(text: &[u8], out: &mut [u8], mut at: usize, mut write_point: impl FnMut(u32, &mut [u8], usize) -> usize) -> usize {
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b != BACKSLASH {
            out[at] = b;
            at += 1;
            i += 1;
            continue;
        }
        let (point, next) = decode_escape(text, i);
        i = next;
        at = write_point(point, out, at);
    }
    at
}

/// A JSON string's escaped bytes as a value of the CSV flavour (unescapeToCsv in jsonRowBytes.ts).
fn unescape_to_csv(text: &[u8], out: &mut [u8], open: usize) -> usize {
    out[open] = QUOTE;
    let mut quoted = false;
    let at = unescape(text, out, open + 1, |point, out, at| {
        if point == QUOTE as u32 {
            out[at] = QUOTE;
            out[at + 1] = QUOTE;
            quoted = true;
            return at + 2;
        }
        if point >= 0x80 {
            return write_utf8(point, out, at);
        }
        quoted |= point == TAB as u32 || point == NEWLINE as u32 || point == CR as u32;
        out[at] = point as u8;
        at + 1
    });
    if quoted || (at - open == 3 && out[open + 1] == BACKSLASH && out[open + 2] == b'N') {
        out[at] = QUOTE;
        return at + 1;
    }
    out.copy_within(open + 1..at, open);
    at - 1
}

/// A JSON string's escaped bytes as COPY text (unescapeToCopyText in jsonRowBytes.ts).
fn unescape_to_copy_text(text: &[u8], out: &mut [u8], at: usize) -> usize {
    unescape(text, out, at, |point, out, at| {
        let letter = match point {
            0x5c => BACKSLASH,
            0x09 => b't',
            0x0a => b'n',
            0x0d => b'r',
            _ if point >= 0x80 => return write_utf8(point, out, at),
            _ => {
                out[at] = point as u8;
                return at + 1;
            }
        };
        out[at] = BACKSLASH;
        out[at + 1] = letter;
        at + 2
    })
}

/// A whole number in decimal at out[at..]; returns where it ends.
fn write_natural(mut n: u32, out: &mut [u8], at: usize) -> usize {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = ZERO + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for k in 0..len {
        out[at + k] = digits[len - 1 - k];
    }
    at + len
}

/// Writes `prefix`, the line number and the row of each line of `region` (complete lines separated
/// by newlines, from cursor.start), until a line needs the general path, the next row would not fit
/// in `out`, or the region ends. Blank lines are skipped, as encodeRegion skips them.
pub fn encode_lines(parser: &mut LineParser, region: &[u8], prefix: &[u8], out: &mut [u8], cursor: &mut Cursor) -> Stop {
    loop {
        let start = cursor.start;
        let newline = newline_from(region, start);
        let line_end = newline.unwrap_or(region.len());
        let end = if line_end > start && region[line_end - 1] == CR {
            line_end - 1
        } else {
            line_end
        };
        let line = &region[start..end];
        if parser.parse(line) {
            let room = prefix.len() + MAX_LINE_NUMBER_BYTES + parser.max_row_bytes(line.len()) + 1;
            if cursor.out_at + room > out.len() {
                return Stop::NeedRoom(room);
            }
            let mut at = cursor.out_at;
            out[at..at + prefix.len()].copy_from_slice(prefix);
            at = write_natural(cursor.line_no, out, at + prefix.len());
            at = parser.write(line, out, at);
            out[at] = NEWLINE;
            cursor.out_at = at + 1;
            cursor.rows += 1;
        } else if !is_blank(line) {
            return Stop::GeneralPath;
        }
        match newline {
            None => return Stop::Done,
            Some(nl) => {
                cursor.start = nl + 1;
                cursor.line_no += 1;
            }
        }
    }
}
