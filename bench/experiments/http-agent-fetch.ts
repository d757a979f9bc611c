import { Agent, request } from 'node:http';
import { createPatientApiApp, type PatientApiApp } from '../../functions/patient-api/src/app';
import type { SettingsSource } from '../../functions/shared/src/settings';
import { LOCAL_SUBNETS } from '../../tool/local/network/topology';

/**
 * The subset of `fetch` the Patient API's audit client uses (status, ok, text(), headers.get()),
 * over node:http with a keep-alive agent instead of undici. An experiment, not product code:
 * it measures what the audit call's transport costs (bench/experiments/audit-transport.ts).
 */
export function createHttpAgentFetch(localAddress?: string): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, ...(localAddress ? { localAddress } : {}) });
  const httpFetch = (input: string | URL, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const body = typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
      const headers = { ...(init.headers as Record<string, string>), ...(body ? { 'content-length': String(body.length) } : {}) };
      const req = request(input, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({
            status,
            ok: status >= 200 && status < 300,
            text: () => Promise.resolve(text),
            headers: { get: (name: string) => res.headers[name.toLowerCase()]?.toString() ?? null },
          } as unknown as Response);
        });
      });
      init.signal?.addEventListener('abort', () => req.destroy(Object.assign(new Error('aborted'), { name: 'TimeoutError' })), { once: true });
      req.on('error', reject);
      req.end(body);
    });
  return httpFetch;
}

/** The Patient API as the local stack runs it, its audit calls leaving from the app's subnet over node:http. */
export function createPatientApiAppWithHttpAgent(settings: SettingsSource): PatientApiApp {
  // The audit client calls fetch(url string, init) only; the narrower signature is all it needs.
  return createPatientApiApp(settings, { fetch: createHttpAgentFetch(LOCAL_SUBNETS.patientApi.outboundAddress) as typeof fetch });
}
