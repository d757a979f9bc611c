import { expect } from 'chai';
import { GatewayFailure, APIM_ERRORS } from '../../../twin/gateway/apim-errors';
import { executePolicy, type Exchange, type GatewayResponse, type HeaderMap, type PolicyRuntime } from '../../../twin/gateway/policy-executor';
import { parsePolicy } from '../../../twin/gateway/policy-parser';
import { RateLimiter } from '../../../twin/gateway/rate-limiter';

function exchange(headers: Record<string, string[]> = {}, namedValues: Record<string, string> = {}): Exchange {
  return {
    requestHeaders: new Map(Object.entries(headers)),
    namedValues: new Map(Object.entries(namedValues)),
    expression: {
      subscription: { id: 'sub-1', name: 'Consumer' },
      clientIp: '127.0.0.9',
      requestId: '6c1b7a3e-7f2a-4d7e-9a4b-0d5f2c9e1a11',
      requestHeaders: new Map(Object.entries(headers)),
    },
  };
}

function runtime(overrides: Partial<PolicyRuntime> = {}): PolicyRuntime & { forwarded: Exchange[] } {
  const forwarded: Exchange[] = [];
  return {
    forwarded,
    backendUrl: (id) => `http://backend/${id}`,
    rateLimiter: new RateLimiter(),
    forward: (ex) => {
      forwarded.push(ex);
      const headers: HeaderMap = new Map([
        ['server', ['Kestrel']],
        ['x-powered-by', ['ASP.NET']],
        ['content-type', ['application/json']],
      ]);
      return Promise.resolve<GatewayResponse>({ status: 200, headers, body: Buffer.from('{}') });
    },
    ...overrides,
  };
}

const wrap = (inbound: string, outbound = '', backend = '<forward-request timeout="3" />') =>
  parsePolicy(`<policies><inbound><base />${inbound}</inbound><backend>${backend}</backend><outbound><base />${outbound}</outbound></policies>`);

describe('policy executor', () => {
  it('sets headers with override, skip, append and delete', async () => {
    const plan = wrap(
      '<set-header name="a" exists-action="override"><value>new</value></set-header>' +
        '<set-header name="b" exists-action="skip"><value>ignored</value></set-header>' +
        '<set-header name="c" exists-action="skip"><value>added</value></set-header>' +
        '<set-header name="d" exists-action="append"><value>two</value></set-header>' +
        '<set-header name="e" exists-action="delete" />',
    );
    const rt = runtime();
    await executePolicy(plan, exchange({ a: ['old'], b: ['kept'], d: ['one'], e: ['gone'] }), rt);
    const sent = Object.fromEntries(rt.forwarded[0].requestHeaders);
    expect(sent).to.deep.equal({ a: ['new'], b: ['kept'], c: ['added'], d: ['one', 'two'] });
  });

  it('substitutes named values and evaluates the subscription expression', async () => {
    const plan = wrap(
      '<set-header name="x-functions-key" exists-action="override"><value>{{host-key}}</value></set-header>' +
        '<set-header name="x-apim-subscription-id" exists-action="override"><value>@(context.Subscription.Id)</value></set-header>',
    );
    const rt = runtime();
    await executePolicy(plan, exchange({ 'x-functions-key': ['client-supplied'] }, { 'host-key': 's3cret' }), rt);
    expect(rt.forwarded[0].requestHeaders.get('x-functions-key')).to.deep.equal(['s3cret']);
    expect(rt.forwarded[0].requestHeaders.get('x-apim-subscription-id')).to.deep.equal(['sub-1']);
  });

  it('routes to the backend named by set-backend-service', async () => {
    const rt = runtime();
    await executePolicy(wrap('<set-backend-service backend-id="patient-api" />'), exchange(), rt);
    expect(rt.forwarded[0].backendBaseUrl).to.equal('http://backend/patient-api');
  });

  it('answers 429 with Retry-After and APIM\'s body once the key used its calls', async () => {
    const plan = wrap('<rate-limit-by-key calls="2" renewal-period="30" counter-key="@(context.Subscription.Id)" />');
    const rt = runtime();
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await executePolicy(plan, exchange(), rt));
    expect(statuses.map((r) => r.status)).to.deep.equal([200, 200, 429]);
    const limited = statuses[2];
    expect(limited.headers.get('retry-after')).to.deep.equal(['30']);
    expect(JSON.parse((limited.body as Buffer).toString())).to.deep.equal({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 30 seconds.' });
    expect(rt.forwarded).to.have.length(2);
  });

  it('counts each key separately', async () => {
    const plan = wrap('<rate-limit-by-key calls="1" renewal-period="30" counter-key="@(context.Subscription.Id)" />');
    const rt = runtime();
    const other = exchange();
    other.expression = { ...other.expression, subscription: { id: 'sub-2', name: 'Other' } };
    expect((await executePolicy(plan, exchange(), rt)).status).to.equal(200);
    expect((await executePolicy(plan, other, rt)).status).to.equal(200);
    expect((await executePolicy(plan, exchange(), rt)).status).to.equal(429);
  });

  it('passes the forward-request timeout and turns a timeout into APIM\'s 504', async () => {
    let timeoutSeen = 0;
    const rt = runtime({
      forward: (_ex, timeoutMs) => {
        timeoutSeen = timeoutMs;
        return Promise.reject(new GatewayFailure(APIM_ERRORS.backendTimeout()));
      },
    });
    const response = await executePolicy(wrap(''), exchange(), rt);
    expect(timeoutSeen).to.equal(3000);
    expect(response.status).to.equal(504);
    expect(JSON.parse((response.body as Buffer).toString())).to.include({ statusCode: 504 });
  });

  it('removes platform response headers in outbound', async () => {
    const plan = wrap('', '<set-header name="server" exists-action="delete" /><set-header name="x-powered-by" exists-action="delete" />');
    const response = await executePolicy(plan, exchange(), runtime());
    expect([...response.headers.keys()]).to.deep.equal(['content-type']);
  });

  it('uses the named values the exchange was given, so a refresh mid-request never splits it', async () => {
    const plan = wrap('<set-header name="k" exists-action="override"><value>{{key}}</value></set-header>');
    const values = new Map([['key', 'old']]);
    const ex = exchange();
    ex.namedValues = values;
    const rt = runtime();
    await executePolicy(plan, ex, rt);
    expect(rt.forwarded[0].requestHeaders.get('k')).to.deep.equal(['old']);
  });
});
