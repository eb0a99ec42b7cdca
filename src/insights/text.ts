/** Number and share formatting shared by takeaways, tables and charts. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** A share as a percentage; small non-zero shares keep two decimals so they do not read as 0. */
export function percent(value: number, digits = value > 0 && value < 0.01 ? 2 : 1): string {
  return `${(value * 100).toFixed(digits)}%`;
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
