import { randomBytes } from 'node:crypto';

/**
 * W3C trace context of one request: the operation (trace) id shared by APIM, both apps and
 * the database calls, the caller's span id and the span id this app uses for its own work.
 */
export interface TraceContext {
  traceId: string;
  parentSpanId: string | undefined;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

export function parseTraceparent(header: string | null | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  if (header === null || header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags] = match;
  if (version === 'ff' || (version === '00' && header.trim().length !== 55)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function newSpanId(): string {
  let id: string;
  do id = randomBytes(8).toString('hex');
  while (/^0+$/.test(id));
  return id;
}

export function newTraceId(): string {
  let id: string;
  do id = randomBytes(16).toString('hex');
  while (/^0+$/.test(id));
  return id;
}

/** Continues the incoming trace (header first, then the host's own context) or starts a new one. */
export function continueTrace(...candidates: (string | null | undefined)[]): TraceContext {
  for (const candidate of candidates) {
    const parent = parseTraceparent(candidate);
    if (parent !== undefined) {
      return { traceId: parent.traceId, parentSpanId: parent.spanId, spanId: newSpanId(), sampled: parent.sampled };
    }
  }
  return { traceId: newTraceId(), parentSpanId: undefined, spanId: newSpanId(), sampled: true };
}

export function formatTraceparent(trace: Pick<TraceContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}
