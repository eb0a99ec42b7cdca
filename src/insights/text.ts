/** Number and share formatting shared by takeaways, tables and charts. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/**
 * A share as a percentage. Unless told the decimals, a share that is neither none nor all gets up
 * to three, so it never reads as 0% or 100%.
 */
export function percent(value: number, digits?: number): string {
  let d = digits ?? 1;
  const misleading = () => value > 0 && value < 1 && ['0', '100'].includes(String(Number((value * 100).toFixed(d))));
  while (digits === undefined && d < 3 && misleading()) d++;
  return `${(value * 100).toFixed(d)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** The index of the greatest value (the first on ties), or -1 for none. */
export function argMax(values: number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (best === -1 || v > values[best]) best = i;
  });
  return best;
}

export function argMin(values: number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (best === -1 || v < values[best]) best = i;
  });
  return best;
}
