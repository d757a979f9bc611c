import type { Condition, Expression } from './policy-expressions';

/** A policy value: literal text with `{{named value}}` parts, or one expression. */
export type ValueTemplate =
  | { kind: 'text'; parts: ({ text: string } | { namedValue: string })[] }
  | { kind: 'expression'; source: string; evaluate: Expression };

export type ExistsAction = 'override' | 'skip' | 'append' | 'delete';

export type PolicyStep =
  | { kind: 'base' }
  | { kind: 'set-header'; name: string; existsAction: ExistsAction; values: ValueTemplate[] }
  | { kind: 'rate-limit-by-key'; id: number; calls: number; renewalPeriodSeconds: number; counterKey: ValueTemplate }
  | { kind: 'set-backend-service'; backendId: string }
  | { kind: 'forward-request'; timeoutSeconds: number }
  | { kind: 'choose'; branches: { condition: Condition; source: string; steps: PolicyStep[] }[]; otherwise: PolicyStep[] }
  | { kind: 'return-response'; status: number; reason: string | undefined; headers: { name: string; values: ValueTemplate[] }[]; body: string | undefined }
  /** Only the size check (`max-size` against Content-Length); the content checks are not used by the contract's policy. */
  | { kind: 'validate-content'; maxSize: number; sizeExceededAction: 'ignore' | 'prevent' | 'detect' };

/** `validate-content` refuses a `max-size` above this (API Management's limit, 100 KiB). */
export const VALIDATE_CONTENT_MAX_SIZE = 102_400;

export type PolicySection = 'inbound' | 'backend' | 'outbound' | 'on-error';

/** The executable form of a policy document, built once at start-up. */
export interface PolicyPlan {
  sections: Record<PolicySection, PolicyStep[]>;
  /** Named values the policy uses; each must exist when the gateway starts. */
  namedValues: string[];
  backendIds: string[];
}

/** What `<base />` stands for at API scope: the global policy, whose backend forwards the request. */
export const DEFAULT_FORWARD_TIMEOUT_SECONDS = 300;
