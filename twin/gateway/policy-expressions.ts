import type { LastError } from './apim-errors';

/** What a policy expression may read about the current request. */
export interface ExpressionContext {
  subscription: { id: string; name: string };
  clientIp: string;
  /** API Management's own id of the request (`context.RequestId`), a GUID the client cannot choose. */
  requestId: string;
  /** The request's headers as the client sent them (lower-case names). */
  requestHeaders: ReadonlyMap<string, readonly string[]>;
  /** In `<on-error>`: what failed (`context.LastError`). */
  lastError?: LastError;
}

export type Expression = (context: ExpressionContext) => string;
export type Condition = (context: ExpressionContext) => boolean;

/**
 * The policy expressions this gateway evaluates. APIM compiles arbitrary C#; the local gateway
 * knows this fixed set and refuses any other at start-up, so a policy never silently differs.
 * Sources are compared without white space.
 */
const KNOWN_EXPRESSIONS: Readonly<Record<string, Expression>> = {
  'context.Subscription.Id': (c) => c.subscription.id,
  'context.Subscription.Name': (c) => c.subscription.name,
  'context.Request.IpAddress': (c) => c.clientIp,
  'context.RequestId.ToString()': (c) => c.requestId,
};

/** The boolean expressions `<when condition>` may use. */
const KNOWN_CONDITIONS: Readonly<Record<string, Condition>> = {
  'context.Request.Headers.GetValueOrDefault("Transfer-Encoding","")!=""': (c) => (c.requestHeaders.get('transfer-encoding') ?? []).join(',') !== '',
  'context.LastError.Source=="validate-content"': (c) => c.lastError?.source === 'validate-content',
};

function compile<T>(source: string, known: Readonly<Record<string, T>>, what: string): T {
  const match = /^@\((.*)\)$/s.exec(source.trim());
  const body = match ? match[1].replace(/\s+/g, '') : undefined;
  const compiled = body === undefined ? undefined : known[body];
  if (compiled === undefined) {
    throw new Error(
      `unsupported policy ${what} "${source.trim()}" (supported: ${Object.keys(known)
        .map((e) => `@(${e})`)
        .join(', ')})`,
    );
  }
  return compiled;
}

export function compileExpression(source: string): Expression {
  return compile(source, KNOWN_EXPRESSIONS, 'expression');
}

export function compileCondition(source: string): Condition {
  return compile(source, KNOWN_CONDITIONS, 'condition');
}
