import { expect } from 'chai';
import { ArmClient, createArmClient } from '../../../tool/azure/arm-client';
import { staticTokenCredential } from '../../../tool/azure/credential';
import { AzureRequestError } from '../../../tool/errors';
import { startArmTwin, type ArmTwinConfig, type RunningArmTwin } from '../../../twin/arm/arm-twin';
import { IDS, InMemoryStack } from '../../twin/arm/in-memory-stack';

const TOKEN = 'arm-client-token';

describe('ARM client (Azure SDK pipeline and core-lro, against the ARM twin over HTTPS)', function () {
  this.timeout(30_000);
  let arm: RunningArmTwin;
  const start = async (extra: Partial<ArmTwinConfig> = {}) => {
    arm = await startArmTwin(new InMemoryStack().armConfig(TOKEN, extra));
    return createArmClient({ armUrl: arm.url, token: TOKEN, caCert: arm.caCert });
  };
  afterEach(() => arm.close());

  it('sends the token as a bearer over HTTPS, with the api-version, trusting the CA it is given', async () => {
    const client = await start();
    expect((await client.arm('POST', `${IDS.namedValue}/listValue`, '2024-05-01')).body).to.deep.equal({ value: 'patient-api-host-key-initial-placeholder' });
    expect(arm.requests.map((r) => [r.method, r.query['api-version'], r.authorization])).to.deep.equal([['POST', '2024-05-01', `Bearer ${TOKEN}`]]);
  });

  it('refuses to send a bearer token over plain HTTP, and to trust a certificate no given CA signed', async () => {
    await start();
    const plain = createArmClient({ armUrl: arm.url.replace('https:', 'http:'), token: TOKEN, caCert: arm.caCert });
    const overHttp = await plain.arm('POST', `${IDS.namedValue}/listValue`, '2024-05-01').catch((e: unknown) => e);
    expect(overHttp).to.be.instanceOf(AzureRequestError);
    expect((overHttp as Error).message).to.match(/not permitted for non-TLS protected \(non-https\) URLs/);
    const untrusting = new ArmClient({ credential: staticTokenCredential(TOKEN), armBaseUrl: arm.url });
    const unverified = await untrusting.arm('POST', `${IDS.namedValue}/listValue`, '2024-05-01').catch((e: unknown) => e);
    expect(unverified).to.be.instanceOf(AzureRequestError);
    expect((unverified as AzureRequestError).status).to.equal(undefined);
    expect(arm.requests).to.deep.equal([]);
  });

  it("waits out ARM's throttling (429 with Retry-After) and then answers", async () => {
    const client = await start({ throttle: { requests: 2, retryAfterSeconds: 1 } });
    const started = Date.now();
    expect((await client.arm('GET', IDS.namedValue, '2024-05-01')).status).to.equal(200);
    expect(arm.requests).to.have.length(3);
    expect(Date.now() - started).to.be.at.least(1900);
  });

  it('follows a 202 to its end through its Location, with the token, on the ARM endpoint only', async () => {
    const client = await start({ asyncNamedValueRefresh: true });
    const done = await client.arm('POST', `${IDS.namedValue}/refreshSecret`, '2024-05-01');
    expect(done.status).to.equal(200);
    expect((done.body as { name?: string }).name).to.equal('patient-api-host-key');
    expect(arm.requests.map((r) => `${r.method} ${r.path.split('/').slice(-3).join('/')} ${r.authorization}`)).to.deep.equal([
      `POST namedValues/patient-api-host-key/refreshSecret Bearer ${TOKEN}`,
      `GET tenant/operationResults/${arm.requests[1].path.split('/').at(-1)} Bearer ${TOKEN}`,
    ]);
  });

  it('never sends the token to a next page off the ARM endpoint', async () => {
    const client = await start();
    const error = await client.armNextPage('https://127.0.0.2:9/next?$skiptoken=1').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as Error).message).to.equal('GET /next: https://127.0.0.2:9/next is not on ' + arm.url);
  });

  it('turns a refusal into one line with the operation and Azure\'s error code, and takes a status the caller accepts as an answer', async () => {
    const client = await start();
    const missing = `${IDS['patient-api']}/host/default/functionKeys/no-such-key`;
    expect((await client.arm('DELETE', missing, '2024-04-01', undefined, [404])).status).to.equal(404);
    const error = await client.arm('DELETE', missing, '2024-04-01').catch((e: unknown) => e);
    expect((error as AzureRequestError).status).to.equal(404);
    expect((error as Error).message).to.equal(`DELETE ${missing} answered 404: NotFound - Key was not found.`);
  });
});
