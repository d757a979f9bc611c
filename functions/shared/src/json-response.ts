import type { HttpResponseInit } from '@azure/functions';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function noContentResponse(headers: Record<string, string> = {}): HttpResponseInit {
  return { status: 204, headers };
}
