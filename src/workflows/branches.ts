/**
 * Steps of a workflow that run at once, each followed by further steps: once a step of any
 * branch has failed, no branch starts another (the run fails with the first error either way, and
 * a step started after it would only run for nothing). Workflow-safe: no I/O.
 */
export class Branches {
  private failed = false;

  /** A running step of a branch: its failure stops every branch from starting another. */
  add<T>(running: Promise<T>): Promise<T> {
    return running.catch((err: unknown) => {
      this.failed = true;
      throw err;
    });
  }

  /** Starts a branch's next step, unless a step of some branch has failed by now. */
  next<T>(name: string, start: () => Promise<T>): Promise<T> {
    if (this.failed) return Promise.reject(new Error(`${name} not started: a step beside it failed`));
    return this.add(start());
  }
}
