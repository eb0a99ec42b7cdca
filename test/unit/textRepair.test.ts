import { matchKey, repairedForms, repairText, repairUserAgent, undoMojibake } from '../../src/etl/textRepair';

describe('text repair', () => {
  // Each raw value appears verbatim in the real sample's log files.
  test.each([
    ['Bj\u00c3\u0083\u00c2\u00b6rk', 'Björk'],
    ['Beyonc\u00c3\u0083\u00c2\u00a9', 'Beyoncé'],
    ['Michael Bubl\u00c3\u0083\u00c2\u00a9', 'Michael Bublé'],
    ['Los Aut\u00c3\u0083\u00c2\u00a9nticos Decadentes', 'Los Auténticos Decadentes'],
    ['Alceu Valen\u00c3\u0083\u00c2\u00a7a', 'Alceu Valença'],
    ["Wavin'  Flag", "Wavin' Flag"],
    ['Who\'s Your Daddy? ', "Who's Your Daddy?"],
    [' I Will Not Reap Destruction', 'I Will Not Reap Destruction'],
    ['Nate Dogg feat.  Warren G', 'Nate Dogg feat. Warren G'],
  ])('repairs %j from the real logs to %j', (raw, repaired) => {
    expect(repairText(raw)).toBe(repaired);
  });

  test.each([
    'Gloriana Clementina Santafè',
    'Sierra Maestra',
    '¿Dónde va Chichi?',
    'Montserrat Caballé;Placido Domingo',
    'plain ASCII',
  ])('leaves correct text alone: %j', (text) => {
    expect(repairText(text)).toBe(text);
  });

  test('undoes a single round of mojibake, and one through Windows-1252', () => {
    expect(undoMojibake('BjÃ¶rk')).toBe('Björk');
    // "€" read through Windows-1252 becomes "â‚¬".
    expect(undoMojibake('â‚¬5')).toBe('€5');
  });

  test('normalises Unicode so composed and decomposed accents are one value', () => {
    expect(repairText('Beyonce\u0301')).toBe('Beyonc\u00e9');
  });

  test('user agents lose the quotes the logs wrap them in', () => {
    expect(repairUserAgent('"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36"')).toBe(
      'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36',
    );
    expect(repairUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:31.0) Gecko/20100101 Firefox/31.0')).toBe(
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:31.0) Gecko/20100101 Firefox/31.0',
    );
  });

  test('match keys fold case after repair, so the damaged and clean spellings meet', () => {
    expect(matchKey('Bj\u00c3\u0083\u00c2\u00b6rk ')).toBe(matchKey('BJÖRK'));
    expect(matchKey('Setanta  Matins')).toBe(matchKey('setanta matins'));
  });

  test.each([
    ['text', 'Bj\u00c3\u0083\u00c2\u00b6rk '],
    ['text', '"Quoted Title"'],
    ['text', ''],
    ['user_agent', '""Mozilla/5.0 (Windows NT 6.1)""'],
    ['user_agent', '" Mozilla/5.0  (X11) "'],
    ['user_agent', '"'],
    ['user_agent', 'Mozilla without quotes'],
  ])('repairedForms(%j, %j) repairs once and gives what repairText/repairUserAgent and matchKey give', (kind, raw) => {
    expect(repairedForms(kind, raw)).toEqual({ repaired: kind === 'user_agent' ? repairUserAgent(raw) : repairText(raw), matchKey: matchKey(raw) });
  });
});
