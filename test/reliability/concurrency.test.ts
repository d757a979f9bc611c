import { expect } from 'chai';
import { newPatient, newTestResult, type GatewayClient } from '../support/gateway-client';
import type { HttpReply } from '../support/http';
import type { LocalStackFixture, StackDatabases } from '../support/local-stack';
import { sharedLocalStack } from '../support/shared-stack';

const WRITERS = 20;

function countBy(replies: HttpReply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe('concurrency control: If-Match and Idempotency-Key under concurrent writers', function () {
  this.timeout(60_000);
  let f: LocalStackFixture;
  let gw: GatewayClient;
  let db: StackDatabases;
  const lines: string[] = [];

  before(async function () {
    this.timeout(60_000);
    f = await sharedLocalStack();
    gw = f.gw;
    db = await f.databases();
  });

  after(async () => {
    for (const line of lines) console.log(`    ${line}`);
    await db?.close();
  });

  async function createPatient(): Promise<{ body: Record<string, string> & { id: string }; etag: string }> {
    const reply = await gw.json('POST', '/patient', newPatient('Conc'));
    expect(reply.status).to.equal(201);
    return { body: reply.json(), etag: String(reply.headers.etag) };
  }

  it(`${WRITERS} concurrent PUTs of one patient with the same If-Match: exactly one 200, the rest 412, the winner's body stored`, async () => {
    const { body, etag } = await createPatient();
    const { lastUpdated, ...fields } = body;
    void lastUpdated;
    const replies = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => gw.json('PUT', `/patient/${body.id}`, { ...fields, postCode: `WIN${i}` }, { headers: { 'if-match': etag } })),
    );
    const counts = countBy(replies);
    lines.push(`patient PUT x${WRITERS} with one If-Match: ${JSON.stringify(counts)}`);
    expect(counts).to.deep.equal({ 200: 1, 412: WRITERS - 1 });
    const winner = replies.find((r) => r.status === 200)!;
    for (const loser of replies.filter((r) => r.status === 412)) expect(loser.json<{ type: string }>().type).to.match(/precondition-failed$/);
    const final = await gw.json('GET', `/patient/${body.id}`);
    expect(final.json()).to.deep.equal(winner.json());
    expect(final.headers.etag).to.equal(winner.headers.etag);
    expect(await db.db('patients').collection('patients').countDocuments({ _id: body.id as never })).to.equal(1);
  });

  it(`${WRITERS} concurrent PUTs of one test result with the same If-Match: exactly one 200, the rest 412, the winner's body stored`, async () => {
    const { body: patient } = await createPatient();
    const created = await gw.json('POST', `/patient/${patient.id}/tests`, newTestResult());
    expect(created.status).to.equal(201);
    const test = created.json<{ id: string }>();
    const replies = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        gw.json('PUT', `/patient/${patient.id}/tests/${test.id}`, { ...newTestResult(), orderReference: `ORD-WIN-${i}` }, { headers: { 'if-match': String(created.headers.etag) } }),
      ),
    );
    const counts = countBy(replies);
    lines.push(`test result PUT x${WRITERS} with one If-Match: ${JSON.stringify(counts)}`);
    expect(counts).to.deep.equal({ 200: 1, 412: WRITERS - 1 });
    const winner = replies.find((r) => r.status === 200)!;
    const final = await gw.json('GET', `/patient/${patient.id}/tests/${test.id}`);
    expect(final.json()).to.deep.equal(winner.json());
    expect(final.headers.etag).to.equal(winner.headers.etag);
  });

  it(`${WRITERS} concurrent DELETEs of one patient with the same If-Match: exactly one 204, every other one refused`, async () => {
    const { body, etag } = await createPatient();
    const replies = await Promise.all(Array.from({ length: WRITERS }, () => gw.json('DELETE', `/patient/${body.id}`, undefined, { headers: { 'if-match': etag } })));
    const counts = countBy(replies);
    lines.push(`patient DELETE x${WRITERS} with one If-Match: ${JSON.stringify(counts)}`);
    expect(counts[204]).to.equal(1);
    // The losers find the patient already gone (404) or, if they looked first, a version that no longer matches (412).
    expect((counts[404] ?? 0) + (counts[412] ?? 0)).to.equal(WRITERS - 1);
    expect((await gw.json('GET', `/patient/${body.id}`)).status).to.equal(404);
  });

  it(`${WRITERS} concurrent DELETEs of one test result with the same If-Match: exactly one 204, every other one refused`, async () => {
    const { body: patient } = await createPatient();
    const created = await gw.json('POST', `/patient/${patient.id}/tests`, newTestResult());
    const test = created.json<{ id: string }>();
    const replies = await Promise.all(
      Array.from({ length: WRITERS }, () => gw.json('DELETE', `/patient/${patient.id}/tests/${test.id}`, undefined, { headers: { 'if-match': String(created.headers.etag) } })),
    );
    const counts = countBy(replies);
    lines.push(`test result DELETE x${WRITERS} with one If-Match: ${JSON.stringify(counts)}`);
    expect(counts[204]).to.equal(1);
    expect((counts[404] ?? 0) + (counts[412] ?? 0)).to.equal(WRITERS - 1);
  });

  it(`a stale If-Match loses against a newer version: 412 for every writer`, async () => {
    const { body, etag } = await createPatient();
    const { lastUpdated, ...fields } = body;
    void lastUpdated;
    expect((await gw.json('PUT', `/patient/${body.id}`, { ...fields, postCode: 'NEW 1AA' }, { headers: { 'if-match': etag } })).status).to.equal(200);
    const replies = await Promise.all(Array.from({ length: 5 }, () => gw.json('PUT', `/patient/${body.id}`, fields, { headers: { 'if-match': etag } })));
    expect(countBy(replies)).to.deep.equal({ 412: 5 });
    expect((await gw.json('GET', `/patient/${body.id}`)).json()).to.include({ postCode: 'NEW 1AA' });
  });

  it(`${WRITERS} concurrent POSTs of a patient with one Idempotency-Key: one record, the same status and body for all`, async () => {
    const patient = newPatient('Idem');
    const replies = await Promise.all(Array.from({ length: WRITERS }, () => gw.json('POST', '/patient', patient, { headers: { 'idempotency-key': `idem-patient-${patient.firstName}` } })));
    const counts = countBy(replies);
    const stored = await db.db('patients').collection('patients').countDocuments({ firstName: patient.firstName });
    const replayed = replies.filter((r) => r.headers['idempotent-replayed'] === 'true').length;
    lines.push(`patient POST x${WRITERS} with one Idempotency-Key: ${JSON.stringify(counts)}, replayed ${replayed}, records stored ${stored}`);
    expect(counts).to.deep.equal({ 201: WRITERS });
    expect(new Set(replies.map((r) => r.text)).size).to.equal(1);
    expect(new Set(replies.map((r) => r.headers.etag)).size).to.equal(1);
    expect(replayed).to.equal(WRITERS - 1);
    expect(stored).to.equal(1);
  });

  it(`${WRITERS} concurrent POSTs of a test result with one Idempotency-Key: one record, the same status and body for all`, async () => {
    const { body: patient } = await createPatient();
    const result = newTestResult('IDEM');
    const replies = await Promise.all(Array.from({ length: WRITERS }, () => gw.json('POST', `/patient/${patient.id}/tests`, result, { headers: { 'idempotency-key': `idem-test-${patient.id}` } })));
    const counts = countBy(replies);
    const stored = await db.db('patients').collection('tests').countDocuments({ patientId: patient.id });
    lines.push(`test result POST x${WRITERS} with one Idempotency-Key: ${JSON.stringify(counts)}, records stored ${stored}`);
    expect(counts).to.deep.equal({ 201: WRITERS });
    expect(new Set(replies.map((r) => r.text)).size).to.equal(1);
    expect(stored).to.equal(1);
  });
});
