import { randomBytes } from 'node:crypto';

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  flags: string;
}

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceParent(header: string | undefined): TraceParent | undefined {
  if (!header) return undefined;
  const match = PATTERN.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceParent(trace: TraceParent): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** The span this process opens: the caller's trace continued, or a new trace when none came in. */
export function childSpan(incoming: TraceParent | undefined): TraceParent {
  return {
    traceId: incoming?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    flags: incoming?.flags ?? '01',
  };
}
