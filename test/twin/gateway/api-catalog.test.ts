import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApiCatalog, matchOperation } from '../../../twin/gateway/api-catalog';
import { checkSubscription, presentedKey, type Subscription } from '../../../twin/gateway/subscriptions';

const openApi = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'contracts', 'patient-api.openapi.json'), 'utf8')) as Parameters<typeof buildApiCatalog>[0];

describe('gateway API catalog', () => {
  const operations = buildApiCatalog(openApi);

  it('serves every operation of the OpenAPI file, the compliance ones under /compliance', () => {
    const served = operations.map((o) => `${o.method} ${o.template.text}`).sort();
    expect(served).to.include('POST /patient/search');
    expect(served).to.include('GET /compliance/patient/{patientId}/audit');
    expect(served).not.to.include('GET /patient/{patientId}/audit');
    expect(operations).to.have.length(11);
  });

  it('prefers the literal segment: /patient/search is search, not load patient "search"', () => {
    expect(matchOperation(operations, 'POST', '/patient/search')?.operation.operationId).to.equal('searchPatients');
    expect(matchOperation(operations, 'GET', '/patient/search')?.operation.operationId).to.equal('loadPatient');
  });

  it('extracts parameters and keeps the backend path without the API suffix', () => {
    const match = matchOperation(operations, 'GET', '/compliance/patient/abc/audit');
    expect(match?.operation.api).to.equal('patients-compliance');
    expect(match?.operation.backendPath).to.equal('/patient/{patientId}/audit');
    expect(match?.params).to.deep.equal({ patientId: 'abc' });
  });

  it('finds nothing for unknown paths or methods', () => {
    expect(matchOperation(operations, 'GET', '/nothing')).to.equal(undefined);
    expect(matchOperation(operations, 'PATCH', '/patient/abc')).to.equal(undefined);
  });
});

describe('subscriptions', () => {
  const subscriptions: Subscription[] = [
    { id: 'consumer', name: 'Consumer', product: 'consumers', primaryKey: 'consumer-primary-key', secondaryKey: 'consumer-secondary-key' },
    { id: 'compliance', name: 'Compliance', product: 'compliance', primaryKey: 'compliance-primary-key', secondaryKey: 'compliance-secondary-key' },
  ];

  it('reads the key from the header, else from the subscription-key query parameter', () => {
    expect(presentedKey({ 'ocp-apim-subscription-key': 'h' }, new URLSearchParams('subscription-key=q'))).to.equal('h');
    expect(presentedKey({}, new URLSearchParams('subscription-key=q'))).to.equal('q');
    expect(presentedKey({}, new URLSearchParams())).to.equal(undefined);
  });

  it('tells a missing key from an invalid one, and grants APIs by product', () => {
    expect(checkSubscription(subscriptions, undefined, 'patients')).to.deep.equal({ ok: false, reason: 'missing' });
    expect(checkSubscription(subscriptions, 'nope', 'patients')).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(checkSubscription(subscriptions, 'consumer-secondary-key', 'patients')).to.include({ ok: true });
    expect(checkSubscription(subscriptions, 'consumer-primary-key', 'patients-compliance')).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(checkSubscription(subscriptions, 'compliance-primary-key', 'patients-compliance')).to.include({ ok: true });
  });
});
