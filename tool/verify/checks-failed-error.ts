import { VerificationFailedError } from '../errors';
import type { VerifyResult } from './run-verify';

/** verify found a FAIL: exit code 6 (VerificationFailedError), with the checks in the JSON document. */
export class ChecksFailedError extends VerificationFailedError {
  constructor(readonly result: VerifyResult) {
    super(`verify: ${result.counts.FAIL} check${result.counts.FAIL === 1 ? '' : 's'} failed on ${result.target}`);
  }
}
