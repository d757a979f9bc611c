import { expect } from 'chai';
import type { LocalStackInfo } from '../../twin/index';
import { contentType, send, type HttpReply, type SendOptions } from './http';

export interface GatewayClient {
  info: LocalStackInfo;
  /** A JSON request through the gateway with the consumer key, the given one, or none (`key: ''`). */
  json(method: string, path: string, body?: unknown, options?: { key?: string; headers?: Record<string, string>; timeoutMs?: number }): Promise<HttpReply>;
  raw(method: string, path: string, options?: SendOptions): Promise<HttpReply>;
}

export function gatewayClient(info: LocalStackInfo): GatewayClient {
  return {
    info,
    json: (method, path, body, options = {}) =>
      send(`${info.gatewayUrl}${path}`, {
        method,
        timeoutMs: options.timeoutMs,
        headers: {
          ...(options.key === '' ? {} : { 'ocp-apim-subscription-key': options.key ?? info.subscriptionKey }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    raw: (method, path, options = {}) => send(`${info.gatewayUrl}${path}`, { method, ...options }),
  };
}

let serial = 0;
/** A valid new patient; the names carry a marker so a test can find them anywhere they should not be. */
export function newPatient(marker = 'Reliab'): Record<string, string> {
  serial += 1;
  return { firstName: `${marker}${serial}`, lastName: 'Lovelace', gender: 'female', dateOfBirth: '1815-12-10', postCode: `RL${serial} 1AA` };
}

export function newTestResult(code = 'HB'): Record<string, unknown> {
  return { performer: 'lab', orderReference: 'ORD-1', observations: [{ code, measurement: '13.5', interpretation: 'normal', status: 'final' }] };
}

/** The types of the Patient API's problem documents (RFC 9457). */
const PROBLEM_PREFIX = 'https://patient-records/problems/';

/**
 * A failure the client can act on: one of the allowed statuses, and either the Patient API's
 * problem document or, for errors of the gateway itself, API Management's `{statusCode, message}`.
 * Returns the problem type (or `gateway`).
 */
export function expectCleanFailure(reply: HttpReply, allowed: number[], what: string): string {
  expect(allowed, `${what}: status ${reply.status} ${reply.text.slice(0, 200)}`).to.include(reply.status);
  const type = contentType(reply);
  if (type.startsWith('application/problem+json')) {
    const problem = reply.json<{ type: string; status: number; title: string }>();
    expect(problem.status, what).to.equal(reply.status);
    expect(problem.type, what).to.match(new RegExp(`^${PROBLEM_PREFIX}[a-z-]+$`));
    expect(reply.text, what).not.to.match(/\bat .+\(.+:\d+:\d+\)|mongodb:\/\/|Error:/);
    return problem.type.slice(PROBLEM_PREFIX.length);
  }
  expect(type, `${what}: content type`).to.match(/^application\/json/);
  const body = reply.json<{ statusCode: number; message: string }>();
  expect(body.statusCode, what).to.equal(reply.status);
  expect(body.message, what).to.be.a('string');
  return 'gateway';
}
