/** Resolves when `predicate` holds, checking on every `changed` call; rejects after `ms`, naming what was awaited. */
export class Signal {
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate()) return true;
      w.resolve();
      return false;
    });
  }

  until(what: string, predicate: () => boolean, ms = 15_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`gave up after ${ms} ms waiting for ${what}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }
}
