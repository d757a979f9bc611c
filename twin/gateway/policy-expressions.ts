/** What a policy expression may read about the current request. */
export interface ExpressionContext {
  subscription: { id: string; name: string };
  clientIp: string;
}

export type Expression = (context: ExpressionContext) => string;

/**
 * The policy expressions this gateway evaluates. APIM compiles arbitrary C#; the local gateway
 * knows this fixed set and refuses any other at start-up, so a policy never silently differs.
 */
const KNOWN_EXPRESSIONS: Readonly<Record<string, Expression>> = {
  'context.Subscription.Id': (c) => c.subscription.id,
  'context.Subscription.Name': (c) => c.subscription.name,
  'context.Request.IpAddress': (c) => c.clientIp,
};

export function compileExpression(source: string): Expression {
  const match = /^@\((.*)\)$/s.exec(source.trim());
  const body = match ? match[1].replace(/\s+/g, '') : undefined;
  const expression = body === undefined ? undefined : KNOWN_EXPRESSIONS[body];
  if (!expression) {
    throw new Error(
      `unsupported policy expression "${source.trim()}" (supported: ${Object.keys(KNOWN_EXPRESSIONS)
        .map((e) => `@(${e})`)
        .join(', ')})`,
    );
  }
  return expression;
}
