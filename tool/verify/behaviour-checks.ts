import { randomUUID } from 'node:crypto';
import { APP_NAMES, type AppName } from '../../contracts/apps';
import { fail, pass, warn, type CheckResult } from './check-result';
import type { VerifyPort } from './port';
import { isProbePatient, probePatient } from './probe-record';

export interface BehaviourOptions {
  /** False (`--no-writes`): no synthetic patient is written. */
  writes: boolean;
  /** How to redeploy this deployment, for the fixes: `patientctl deploy --stack prod`. */
  deployCommand: string;
  fetch?: typeof fetch;
  /** Per request; a call to an app's own host that gets no answer in this time counts as unreachable. */
  timeoutMs?: number;
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

/** Where each app refuses a caller from elsewhere: any of its functions (the path matters not; the access rule comes first). */
const DIRECT_PATH: Record<AppName, { method: string; path: string }> = {
  'patient-api': { method: 'POST', path: '/patient/search' },
  'audit-api': { method: 'GET', path: '/auditrecord?resourceId=verify' },
};

/**
 * The black-box behaviour through the gateway, with the rotation-probe subscription (a consumer):
 * no key is refused, the compliance API refuses a consumer key, an invalid body answers a problem
 * document, a synthetic patient is created, read, found and deleted, and this machine cannot call
 * the apps' own hosts.
 */
export async function behaviourChecks(port: VerifyPort, options: BehaviourOptions): Promise<CheckResult[]> {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const call = async (url: string, method: string, key?: string, body?: unknown): Promise<Answer> => {
    const response = await fetchFn(url, {
      method,
      headers: { ...(key === undefined ? {} : { 'ocp-apim-subscription-key': key }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: parsed };
  };
  const gateway = (path: string) => `${port.gatewayUrl.replace(/\/+$/, '')}${path}`;
  const redeploy = `run ${options.deployCommand}, which puts back the gateway's APIs, products and policy`;
  const results: CheckResult[] = [];

  const anonymous = await call(gateway('/patient/search'), 'POST', undefined, {});
  results.push(
    anonymous.status === 401
      ? pass('behaviour', 'gateway-requires-key', 'a request without a subscription key is refused (401)')
      : fail('behaviour', 'gateway-requires-key', `a request without a subscription key answered ${anonymous.status}`, `the patients API must require a subscription: ${redeploy}`),
  );

  const key = await port.probeKey();
  if (key === undefined) {
    results.push(fail('behaviour', 'probe-subscription', 'the rotation-probe subscription has no key', `${redeploy} (it declares the rotation-probe subscription)`));
    return [...results, ...(await directCalls(port, call, options.deployCommand, timeoutMs))];
  }

  const audit = await call(gateway(`/compliance/patient/${randomUUID()}/audit`), 'GET', key);
  results.push(
    audit.status === 401 || audit.status === 403
      ? pass('behaviour', 'compliance-refuses-consumer-key', `a consumer key on the compliance API is refused (${audit.status})`)
      : fail('behaviour', 'compliance-refuses-consumer-key', `a consumer key on the compliance API answered ${audit.status}`, `the compliance API belongs to the compliance product only: ${redeploy}`),
  );

  const invalid = await call(gateway('/patient'), 'POST', key, { firstName: '' });
  const problem = invalid.body as { status?: unknown } | undefined;
  results.push(
    invalid.status === 400 && invalid.contentType.startsWith('application/problem+json') && problem?.status === 400
      ? pass('behaviour', 'invalid-body-problem-document', 'an invalid patient is refused with a 400 problem document')
      : fail(
          'behaviour',
          'invalid-body-problem-document',
          `an invalid patient answered ${invalid.status} (${invalid.contentType || 'no content type'})`,
          `the Patient API validates every body against contracts/patient-api.openapi.json: run ${options.deployCommand} to deploy the apps as built`,
        ),
  );

  results.push(options.writes ? await probeRecord(gateway, call, key, options.deployCommand) : warn('behaviour', 'probe-record', 'skipped (--no-writes)', 'run verify without --no-writes where a synthetic patient may be written'));
  return [...results, ...(await directCalls(port, call, options.deployCommand, timeoutMs))];
}

/** Create, read, search and delete a synthetic patient; it is deleted whatever else fails. */
async function probeRecord(gateway: (path: string) => string, call: (url: string, method: string, key?: string, body?: unknown) => Promise<Answer>, key: string, deployCommand: string): Promise<CheckResult> {
  const patient = probePatient(randomUUID());
  const steps: string[] = [];
  let id: string | undefined;
  try {
    const created = await call(gateway('/patient'), 'POST', key, patient);
    id = (created.body as { id?: unknown } | undefined)?.id as string | undefined;
    if (created.status !== 201 || typeof id !== 'string') return probeFailed(`create answered ${created.status}`, deployCommand);
    steps.push('created');
    const read = await call(gateway(`/patient/${id}`), 'GET', key);
    if (read.status !== 200 || !isProbePatient(read.body as Record<string, unknown>)) return probeFailed(`read answered ${read.status}`, deployCommand);
    steps.push('read');
    const search = await call(gateway('/patient/search'), 'POST', key, { firstName: patient.firstName, lastName: patient.lastName });
    const found = Array.isArray(search.body) ? (search.body as Record<string, unknown>[]).filter((entry) => entry.id === id && isProbePatient(entry)) : [];
    if (search.status !== 200 || found.length !== 1) return probeFailed(`search answered ${search.status} with ${found.length} match(es)`, deployCommand);
    steps.push('found');
    const removed = await call(gateway(`/patient/${id}`), 'DELETE', key);
    if (removed.status !== 204) return probeFailed(`delete answered ${removed.status}`, deployCommand);
    const deleted = id;
    id = undefined;
    const gone = await call(gateway(`/patient/${deleted}`), 'GET', key);
    if (gone.status !== 404) return probeFailed(`a read after the delete answered ${gone.status}`, deployCommand);
    steps.push('deleted');
    return pass('behaviour', 'probe-record', `a synthetic patient was ${steps.join(', ')} through the gateway`);
  } finally {
    if (id !== undefined) await call(gateway(`/patient/${id}`), 'DELETE', key).catch(() => undefined);
  }
}

function probeFailed(what: string, deployCommand: string): CheckResult {
  return fail('behaviour', 'probe-record', `synthetic patient: ${what}`, `look up the request in the apps' logs (its trace id); run ${deployCommand} if the apps or the databases drifted`);
}

/** From this machine each app's own host must refuse (403) or not answer at all. */
async function directCalls(port: VerifyPort, call: (url: string, method: string) => Promise<Answer>, deployCommand: string, timeoutMs: number): Promise<CheckResult[]> {
  const urls = await port.appUrls();
  return Promise.all(
    APP_NAMES.map(async (app) => {
      const { method, path } = DIRECT_PATH[app];
      const check = `app-refuses-direct-calls:${app}`;
      try {
        const answer = await call(`${urls[app].replace(/\/+$/, '')}${path}`, method);
        if (answer.status === 403) return pass('behaviour', check, `${app}'s own host refuses this machine (403)`);
        return fail('behaviour', check, `${app}'s own host answered ${answer.status} to this machine`, `restore the app's access restrictions (deny by default, admit only its caller's subnet): run ${deployCommand}`);
      } catch {
        return pass('behaviour', check, `${app}'s own host is unreachable from this machine (no HTTP answer within ${timeoutMs / 1000}s)`);
      }
    }),
  );
}
