import { randomUUID } from 'node:crypto';
import { throttledMessage } from './cosmos/messages';

export type FaultRule = { db?: string; collection?: string; command?: string; times?: number } & (
  | { kind: 'throttle'; retryAfterMs: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'drop' }
  | { kind: 'error'; code: number; message: string }
);

export interface FaultController {
  add(rule: FaultRule): string;
  remove(id: string): void;
  clear(): void;
}

/** What the server does to one command: wait, then answer normally, answer an error, or drop the connection. */
export interface FaultDecision {
  delayMs: number;
  outcome?: { kind: 'drop' } | { kind: 'error'; code: number; message: string };
}

/** Connection and session plumbing: a rule hits these only when it names the command. */
const HANDSHAKE_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'killSessions']);

interface ActiveRule {
  id: string;
  rule: FaultRule;
  remaining: number;
}

/**
 * Fault rules, matched against each command by database, collection and command
 * name (a rule without a field matches any). All matching latency rules add their
 * delay; the first matching throttle, error or drop rule decides the outcome.
 */
export class FaultEngine implements FaultController {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): string {
    const id = randomUUID();
    this.rules.push({ id, rule: validateFaultRule(rule), remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((active) => active.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  /** Undefined when no rule applies (the common case, kept cheap). */
  decide(db: string, collection: string | undefined, command: string): FaultDecision | undefined {
    if (this.rules.length === 0) return undefined;
    let decision: FaultDecision | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0 || !matches(rule, db, collection, command)) continue;
      if (rule.kind === 'latency') {
        decision ??= { delayMs: 0 };
        decision.delayMs += rule.ms;
        active.remaining -= 1;
        continue;
      }
      if (decision?.outcome) continue;
      decision ??= { delayMs: 0 };
      decision.outcome =
        rule.kind === 'drop'
          ? { kind: 'drop' }
          : rule.kind === 'throttle'
            ? { kind: 'error', code: 16500, message: throttledMessage(rule.retryAfterMs) }
            : { kind: 'error', code: rule.code, message: rule.message };
      active.remaining -= 1;
    }
    this.rules = this.rules.filter((active) => active.remaining > 0);
    return decision;
  }
}

function matches(rule: FaultRule, db: string, collection: string | undefined, command: string): boolean {
  if (rule.command !== undefined) {
    if (rule.command.toLowerCase() !== command.toLowerCase()) return false;
  } else if (HANDSHAKE_COMMANDS.has(command)) {
    return false;
  }
  if (rule.db !== undefined && rule.db !== db) return false;
  if (rule.collection !== undefined && rule.collection !== collection) return false;
  return true;
}

/** Checks a rule that may come from JSON; throws a one-line message naming what is wrong. */
export function validateFaultRule(input: unknown): FaultRule {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('fault rule must be an object');
  const rule = input as Record<string, unknown>;
  for (const field of ['db', 'collection', 'command'] as const) {
    if (rule[field] !== undefined && typeof rule[field] !== 'string') throw new Error(`fault rule field "${field}" must be a string`);
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && (rule.times as number) > 0)) {
    throw new Error('fault rule field "times" must be a positive integer');
  }
  const nonNegative = (field: string): void => {
    if (typeof rule[field] !== 'number' || !Number.isFinite(rule[field]) || rule[field] < 0) {
      throw new Error(`fault rule of kind "${String(rule.kind)}" needs a non-negative number "${field}"`);
    }
  };
  switch (rule.kind) {
    case 'throttle':
      nonNegative('retryAfterMs');
      break;
    case 'latency':
      nonNegative('ms');
      break;
    case 'drop':
      break;
    case 'error':
      if (!Number.isInteger(rule.code)) throw new Error('fault rule of kind "error" needs an integer "code"');
      if (typeof rule.message !== 'string') throw new Error('fault rule of kind "error" needs a string "message"');
      break;
    default:
      throw new Error(`fault rule kind must be one of throttle, latency, drop, error (got ${JSON.stringify(rule.kind)})`);
  }
  return input as FaultRule;
}

/**
 * Replaces the active rules with a JSON list of FaultRules (for a host process
 * that exposes fault control over its own API). Validates every rule before
 * changing anything; returns the new rule ids.
 */
export function applyFaultRules(controller: FaultController, json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`fault rules are not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error('fault rules must be a JSON array');
  const rules = parsed.map((rule, index) => {
    try {
      return validateFaultRule(rule);
    } catch (error) {
      throw new Error(`fault rule ${index}: ${(error as Error).message}`);
    }
  });
  controller.clear();
  return rules.map((rule) => controller.add(rule));
}
