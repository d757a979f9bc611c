import { expect } from 'chai';
import { AzureRequestError } from '../../../tool/errors';
import { AzureRestClient } from '../../../tool/azure/rest-client';

interface Sent {
  method: string;
  url: string;
  authorization: string | null;
}

/**
 * A fetch answering from a script per "METHOD url-without-query" (a queue; the last answer
 * repeats): the client's own behaviour (retries, long-running operations, where the token goes)
 * needs answers ARM gives only now and then, so they are scripted here.
 */
function scriptedFetch(script: Record<string, { status: number; body?: unknown; headers?: Record<string, string> }[]>, sent: Sent[]): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    sent.push({ method, url, authorization: new Headers(init?.headers).get('authorization') });
    const queue = script[`${method} ${url.split('?')[0]}`];
    const answer = queue && (queue.length > 1 ? queue.shift()! : queue[0]);
    if (!answer) return Promise.resolve(new Response(JSON.stringify({ error: { code: 'NotScripted', message: url } }), { status: 404 }));
    return Promise.resolve(new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: answer.headers }));
  };
}

const ARM = 'https://arm.test';
const RESOURCE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/namedValues/nv';

describe('AzureRestClient (ARM)', () => {
  let sent: Sent[];
  let sleeps: number[];
  const client = (script: Parameters<typeof scriptedFetch>[0]) =>
    new AzureRestClient({
      credential: { getToken: (scope) => Promise.resolve(`token-for-${scope}`) },
      armBaseUrl: ARM,
      fetch: scriptedFetch(script, sent),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      pollIntervalMs: 5,
    });

  beforeEach(() => {
    sent = [];
    sleeps = [];
  });

  it('sends the ARM token and api-version, and waits out 429 and 503 for their Retry-After', async () => {
    const arm = client({
      [`POST ${ARM}${RESOURCE}/listValue`]: [
        { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'TooManyRequests' } } },
        { status: 503, headers: { 'retry-after': '1' } },
        { status: 200, body: { value: 'v' } },
      ],
    });
    expect((await arm.arm('POST', `${RESOURCE}/listValue`, '2024-05-01')).body).to.deep.equal({ value: 'v' });
    expect(sleeps).to.deep.equal([3000, 1000]);
    expect(sent.map((s) => [s.url, s.authorization])).to.deep.equal(
      Array(3).fill([`${ARM}${RESOURCE}/listValue?api-version=2024-05-01`, 'Bearer token-for-https://management.azure.com/.default']),
    );
  });

  it('follows a 202 through Azure-AsyncOperation until it succeeds', async () => {
    const arm = client({
      [`POST ${ARM}${RESOURCE}/refreshSecret`]: [{ status: 202, headers: { 'azure-asyncoperation': `${ARM}/operations/op-1`, 'retry-after': '1' } }],
      [`GET ${ARM}/operations/op-1`]: [{ status: 200, body: { status: 'InProgress' } }, { status: 200, body: { status: 'Succeeded' } }],
    });
    await arm.arm('POST', `${RESOURCE}/refreshSecret`, '2024-05-01');
    expect(sent.map((s) => s.method)).to.deep.equal(['POST', 'GET', 'GET']);
    expect(sleeps[0]).to.equal(1000);
  });

  it('follows a 202 through its Location when there is no Azure-AsyncOperation, answering the final body', async () => {
    const arm = client({
      [`POST ${ARM}${RESOURCE}/refreshSecret`]: [{ status: 202, headers: { location: `${ARM}/operations/loc-1` } }],
      [`GET ${ARM}/operations/loc-1`]: [{ status: 202 }, { status: 200, body: { name: 'nv' } }],
    });
    expect(await arm.arm('POST', `${RESOURCE}/refreshSecret`, '2024-05-01')).to.deep.equal({ status: 200, body: { name: 'nv' } });
  });

  it('reports a long-running operation that fails, in one line', async () => {
    const arm = client({
      [`POST ${ARM}${RESOURCE}/refreshSecret`]: [{ status: 202, headers: { 'azure-asyncoperation': `${ARM}/operations/bad` } }],
      [`GET ${ARM}/operations/bad`]: [{ status: 200, body: { status: 'Failed', error: { code: 'KeyVaultAccessDenied', message: 'denied\nmore' } } }],
    });
    const error = await arm.arm('POST', `${RESOURCE}/refreshSecret`, '2024-05-01').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as Error).message).to.equal(`POST ${RESOURCE}/refreshSecret: the operation ended Failed: KeyVaultAccessDenied - denied`);
  });

  it('never sends the token to a monitor or next page off the ARM endpoint', async () => {
    const arm = client({ [`POST ${ARM}${RESOURCE}/refreshSecret`]: [{ status: 202, headers: { 'azure-asyncoperation': 'http://127.0.0.2:9/elsewhere' } }] });
    expect(await arm.arm('POST', `${RESOURCE}/refreshSecret`, '2024-05-01').catch((e: unknown) => e)).to.be.instanceOf(AzureRequestError);
    expect(await arm.armNextPage('http://127.0.0.2:9/next?$skiptoken=1').catch((e: unknown) => e)).to.be.instanceOf(AzureRequestError);
    expect(sent).to.have.length(1);
  });

  it('answers a status the caller accepts (a delete of what is gone) instead of failing, and fails any other', async () => {
    const arm = client({ [`DELETE ${ARM}${RESOURCE}`]: [{ status: 404, body: { error: { code: 'NotFound', message: 'Key was not found.' } } }] });
    expect((await arm.arm('DELETE', RESOURCE, '2024-05-01', undefined, [404])).status).to.equal(404);
    const error = await arm.arm('DELETE', RESOURCE, '2024-05-01').catch((e: unknown) => e);
    expect((error as AzureRequestError).status).to.equal(404);
    expect((error as Error).message).to.equal(`DELETE ${RESOURCE} answered 404: NotFound - Key was not found.`);
  });
});
