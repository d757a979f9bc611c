import type { CheckResult } from './check-result';
import { warn } from './check-result';
import { behaviourChecks, type BehaviourOptions } from './behaviour-checks';
import { configurationChecks, skippedInvariants, type SkippedInvariant } from './configuration-checks';
import { keyChecks, type KeyCheckOptions } from './key-checks';
import type { VerifyPort } from './port';

export interface VerifyOptions extends KeyCheckOptions, BehaviourOptions {
  /** The stack's name in the fixes (`pulumi refresh --stack <name>`). */
  stack: string;
}

export interface VerifyResult {
  target: string;
  ok: boolean;
  counts: Record<CheckResult['status'], number>;
  checks: CheckResult[];
  /** Invariants a live deployment cannot show, with why; empty where the configuration was not read. */
  skipped: SkippedInvariant[];
}

/** Configuration, keys, then behaviour; `ok` unless a check FAILED (a WARN or a WAIVED rule does not fail verify). */
export async function runVerify(port: VerifyPort, options: VerifyOptions): Promise<VerifyResult> {
  const model = await port.configuration();
  const configuration =
    typeof model === 'string'
      ? [warn('configuration', 'configuration', `not checked: ${model}`, 'verify a deployment on Azure for these checks (patientctl verify --stack <name>)')]
      : configurationChecks(model, options.stack);
  const checks = [...configuration, ...(await keyChecks(port, options)), ...(await behaviourChecks(port, options))];
  const counts = { PASS: 0, FAIL: 0, WARN: 0, WAIVED: 0 };
  for (const entry of checks) counts[entry.status] += 1;
  return { target: port.description, ok: counts.FAIL === 0, counts, checks, skipped: typeof model === 'string' ? [] : skippedInvariants() };
}
