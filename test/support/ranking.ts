/**
 * Compares a top-N list with a complete ranking without choosing among ties: the list must hold
 * the N best scores in descending order, everything scored above the N-th place, and otherwise
 * only items tied at the N-th place. Which of the tied items make the list, and their order among
 * themselves, are left to the product.
 */
export function expectTopN<T>(actual: T[], ranking: T[], n: number, score: (item: T) => number): void {
  const best = [...ranking].sort((a, b) => score(b) - score(a));
  const size = Math.min(n, best.length);
  expect(actual.map(score)).toEqual(best.slice(0, size).map(score));
  expect(new Set(actual.map((item) => JSON.stringify(item))).size).toBe(actual.length);
  if (size === 0) return;
  const cut = score(best[size - 1]);
  expect(actual).toEqual(expect.arrayContaining(best.filter((item) => score(item) > cut)));
  const tiedAtCut = best.filter((item) => score(item) === cut);
  for (const item of actual.filter((i) => score(i) === cut)) expect(tiedAtCut).toContainEqual(item);
}
