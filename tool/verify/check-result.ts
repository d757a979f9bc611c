/** How one check of `patientctl verify` came out: FAIL makes verify exit non-zero, WARN does not. */
export type CheckStatus = 'PASS' | 'FAIL' | 'WARN';

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
}

export const pass = (area: CheckArea, check: string, detail: string): CheckResult => ({ area, check, status: 'PASS', detail });
export const fail = (area: CheckArea, check: string, detail: string, fix: string): CheckResult => ({ area, check, status: 'FAIL', detail, fix });
export const warn = (area: CheckArea, check: string, detail: string, fix: string): CheckResult => ({ area, check, status: 'WARN', detail, fix });
