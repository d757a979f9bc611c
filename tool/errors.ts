/**
 * The errors patientctl reports. Each maps to one documented exit code, and each
 * message is a single line that never carries a secret.
 */
export abstract class PatientctlError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends PatientctlError {
  readonly exitCode = 2;
}

export class StackNotFoundError extends PatientctlError {
  readonly exitCode = 3;
}

export class ConcurrentUpdateError extends PatientctlError {
  readonly exitCode = 4;
}

export class PulumiCommandError extends PatientctlError {
  readonly exitCode = 5;
}

export class VerificationFailedError extends PatientctlError {
  readonly exitCode = 6;
}

export class AzureRequestError extends PatientctlError {
  readonly exitCode = 7;
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class LocalStackError extends PatientctlError {
  readonly exitCode = 8;
}

export class CancelledError extends PatientctlError {
  readonly exitCode = 10;
}

/** After a deploy, a Key Vault reference or the gateway's named value still does not resolve. */
export class ReferencesUnresolvedError extends PatientctlError {
  readonly exitCode = 11;
}

/** The Node.js running patientctl is older than package.json's `engines` admits. */
export class NodeVersionError extends PatientctlError {
  readonly exitCode = 12;
}

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
