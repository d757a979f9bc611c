/**
 * How one check of `patientctl verify` came out: FAIL makes verify exit non-zero, WARN does not, and
 * WAIVED is a rule the deployment breaks knowingly (policy/waivers.ts, for its environment).
 */
export type CheckStatus = 'PASS' | 'FAIL' | 'WARN' | 'WAIVED';

export type CheckArea = 'configuration' | 'keys' | 'behaviour';

export interface CheckResult {
  area: CheckArea;
  /** Stable identifier: an invariant's id, or `<check>:<app or secret>`. */
  check: string;
  status: CheckStatus;
  /** What was found, in a line; never a key or secret value. */
  detail: string;
  /** What to do about a FAIL or WARN. */
  fix?: string;
  /** Why a WAIVED rule is broken knowingly: the waiver's reason. */
  waiver?: string;
}

export const pass = (area: CheckArea, check: string, detail: string): CheckResult => ({ area, check, status: 'PASS', detail });
export const fail = (area: CheckArea, check: string, detail: string, fix: string): CheckResult => ({ area, check, status: 'FAIL', detail, fix });
export const warn = (area: CheckArea, check: string, detail: string, fix: string): CheckResult => ({ area, check, status: 'WARN', detail, fix });
export const waived = (area: CheckArea, check: string, detail: string, reason: string): CheckResult => ({ area, check, status: 'WAIVED', detail, waiver: reason });
