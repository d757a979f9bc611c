import { randomUUID } from 'node:crypto';
import type { ProbeResult } from './port';

export interface GatewayProbeTarget {
  gatewayUrl: string;
  subscriptionKey: string;
  fetch?: typeof fetch;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/**
 * The end-to-end check of docs/design.md §8 step 5: a patient search for a random id
 * through the gateway. It needs the gateway's key for the Patient API and the
 * Patient API's key for the Audit API (every search is audited first), so a 200
 * proves both keys work. Nothing is written but an audit record.
 */
export async function probeGateway(target: GatewayProbeTarget, count: number): Promise<ProbeResult> {
  const fetchFn = target.fetch ?? fetch;
  const url = `${target.gatewayUrl.replace(/\/+$/, '')}/patient/search`;
  const result: ProbeResult = { successes: 0, failures: 0 };
  for (let i = 0; i < count; i++) {
    try {
      const response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': target.subscriptionKey },
        body: JSON.stringify({ id: randomUUID() }),
        signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) result.successes++;
      else result.failures++;
    } catch {
      result.failures++;
    }
  }
  return result;
}
