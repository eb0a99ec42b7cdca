/**
 * The blocking quality checks that need only the staged data, run before anything is published,
 * so that a run failing them publishes nothing. The other error-level checks read the published
 * star tables and run after the publish (see docs/hardening.md, "Quality checks and publishing").
 */
import { qualityChecks, type CheckDefinition } from '../quality/checks';

const STAGED_RULES = new Set(['staging_reconciliation', 'run_has_events']);

export function stagedDataChecks(options: { failOnEmpty: boolean }): CheckDefinition[] {
  return qualityChecks({ matchRateWarnBelow: 0, failOnEmpty: options.failOnEmpty }).filter(
    (check) => check.severity === 'error' && STAGED_RULES.has(check.rule.kind),
  );
}
