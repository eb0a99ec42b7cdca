/**
 * ok; a problem with its fix; could not be checked (why, and what to do); does not apply here; or
 * works but should be seen to (a warning, with what to do: it does not change the exit code).
 */
export type CheckStatus = 'ok' | 'problem' | 'unchecked' | 'skipped' | 'warning';

export interface CheckResult {
  /** Stable id, e.g. `aws.credentials`, `copyRole.trust`. */
  id: string;
  /** What was checked, in a few words. */
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** For a problem, a warning or an unchecked check: what to do. */
  fix?: string;
}

export const ok = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'ok', detail });
export const problem = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: 'problem', detail, fix });
export const unchecked = (id: string, title: string, detail: string, fix?: string): CheckResult => ({ id, title, status: 'unchecked', detail, fix });
export const skipped = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'skipped', detail });
export const warning = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: 'warning', detail, fix });
