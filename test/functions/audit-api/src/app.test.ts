import { expect } from 'chai';
import { AUDIT_DATABASE } from '../../../../contracts/collections';
import { createAuditApiApp, type AuditApiApp } from '../../../../functions/audit-api/src/app';
import { callRoute } from '../../support/http';
import { FakeClock, RecordingLog, RecordingTelemetry, sequentialIds } from '../../support/fakes';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';

const PATIENT = '11111111-1111-4111-8111-111111111111';
const record = (id: string, operation = 'read', type = 'patient') => ({
  sourceSystemName: 'patient-api',
  resource: { type, id, operation },
  caller: { subscriptionId: 'sub-1', clientIp: '203.0.113.7' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
});

describe('Audit API', () => {
  let fixture: TwinFixture;
  let app: AuditApiApp;
  let clock: FakeClock;
  let dbName: string;
  let run = 0;

  before(async () => {
    fixture = await startTwinFixture();
  });
  after(async () => {
    await fixture.close();
  });
  beforeEach(async () => {
    run += 1;
    dbName = `audit${run}`;
    await fixture.prepare(AUDIT_DATABASE, dbName);
    clock = new FakeClock();
    const settings: Record<string, string> = { AUDIT_DB_CONNECTION: fixture.uri, AUDIT_DB_NAME: dbName };
    app = createAuditApiApp((name) => settings[name], { clock, newId: sequentialIds(), telemetry: new RecordingTelemetry(), log: new RecordingLog() });
  });
  afterEach(async () => {
    await app.close();
  });

  it('has only create and read-by-resource routes (append-only), all with function keys', () => {
    expect(app.routes.map((route) => [route.name, route.methods, route.route, route.authLevel])).to.deep.equal([
      ['createAuditRecord', ['POST'], 'auditrecord', 'function'],
      ['createAuditRecords', ['POST'], 'auditrecords', 'function'],
      ['listAuditRecords', ['GET'], 'auditrecord', 'function'],
    ]);
  });

  it('stores a batch all or nothing: every record with its own id, each under its own resource', async () => {
    const other = '33333333-3333-4333-8333-333333333333';
    const response = await callRoute(app.routes, 'createAuditRecords', { body: { records: [record(PATIENT, 'disclose'), record(other, 'disclose')] } });
    expect(response.status).to.equal(201);
    const stored = response.json as Array<{ id: string; resource: { id: string } }>;
    expect(stored.map((entry) => entry.resource.id)).to.deep.equal([PATIENT, other]);
    expect(new Set(stored.map((entry) => entry.id)).size).to.equal(2);
    for (const id of [PATIENT, other]) {
      const trail = await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: id } });
      expect((trail.json as unknown[]).length).to.equal(1);
    }
    expect((await callRoute(app.routes, 'createAuditRecords', { body: { records: [] } })).status).to.equal(400);
    const tooMany = Array.from({ length: 101 }, () => record(PATIENT, 'disclose'));
    expect((await callRoute(app.routes, 'createAuditRecords', { body: { records: tooMany } })).status).to.equal(400);
    expect((await callRoute(app.routes, 'createAuditRecords', { body: { records: [record(PATIENT, 'disclose'), { bogus: true }] } })).status).to.equal(400);
    expect(await fixture.db(dbName).collection('audits').countDocuments()).to.equal(2);
  });

  it('stores a record with a server-set id and createdDate and answers 201 with it', async () => {
    const response = await callRoute(app.routes, 'createAuditRecord', { body: record(`${PATIENT}/tests/22222222-2222-4222-8222-222222222222`, 'update', 'test-result') });
    expect(response.status).to.equal(201);
    expect(response.json).to.deep.equal({
      id: '00000000-0000-4000-8000-000000000001',
      createdDate: '2026-01-15T10:00:00.000Z',
      ...record(`${PATIENT}/tests/22222222-2222-4222-8222-222222222222`, 'update', 'test-result'),
    });
    const stored = await fixture.db(dbName).collection('audits').find().toArray();
    expect(stored).to.have.length(1);
    expect(stored[0]).to.include({ resourceId: PATIENT, id: '00000000-0000-4000-8000-000000000001' });
  });

  it('validates strictly: unknown fields, missing resource, objects for strings, bad trace ids', async () => {
    const bodies: unknown[] = [
      { ...record(PATIENT), extra: 1 },
      { sourceSystemName: 'patient-api' },
      { ...record(PATIENT), resource: { type: 'patient', id: { $ne: null }, operation: 'read' } },
      { ...record(PATIENT), resource: { type: 'patient', id: PATIENT, operation: 'read', value: 'x' } },
      { ...record(PATIENT), traceId: 'not-a-trace' },
      { ...record(PATIENT), id: '00000000-0000-4000-8000-000000000009' },
      [record(PATIENT)],
    ];
    for (const body of bodies) {
      const response = await callRoute(app.routes, 'createAuditRecord', { body });
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.headers.get('content-type')).to.equal('application/problem+json');
      expect(response.json).to.include({ type: 'https://patient-records/problems/validation', status: 400 });
    }
    expect(await fixture.db(dbName).collection('audits').countDocuments()).to.equal(0);
  });

  it('answers 415, 413 and 400 for wrong content type, oversized and malformed bodies', async () => {
    expect((await callRoute(app.routes, 'createAuditRecord', { body: JSON.stringify(record(PATIENT)), headers: { 'content-type': 'text/plain' } })).status).to.equal(415);
    expect((await callRoute(app.routes, 'createAuditRecord', { body: { ...record(PATIENT), sourceSystemName: 'x'.repeat(70000) } })).status).to.equal(413);
    const malformed = await callRoute(app.routes, 'createAuditRecord', { body: '{"sourceSystemName":' });
    expect(malformed.status).to.equal(400);
    expect(malformed.text).to.not.match(/at .*\.ts|SyntaxError/);
  });

  it('lists one resource oldest first, including records filed under it, and nothing else', async () => {
    await callRoute(app.routes, 'createAuditRecord', { body: record(PATIENT, 'create') });
    clock.advance(1000);
    await callRoute(app.routes, 'createAuditRecord', { body: record('99999999-9999-4999-8999-999999999999', 'read') });
    clock.advance(1000);
    await callRoute(app.routes, 'createAuditRecord', { body: record(`${PATIENT}/tests`, 'list', 'test-result') });
    clock.advance(1000);
    await callRoute(app.routes, 'createAuditRecord', { body: record(PATIENT, 'read') });
    const response = await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: PATIENT } });
    expect(response.status).to.equal(200);
    const records = response.json as { resource: { id: string; operation: string }; createdDate: string }[];
    expect(records.map((entry) => entry.resource.operation)).to.deep.equal(['create', 'list', 'read']);
    expect(records.map((entry) => entry.createdDate)).to.deep.equal(['2026-01-15T10:00:00.000Z', '2026-01-15T10:00:02.000Z', '2026-01-15T10:00:03.000Z']);
    expect(records[0]).to.not.have.property('_id');
    expect(records[0]).to.not.have.property('resourceId');
    const none = await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: '88888888-8888-4888-8888-888888888888' } });
    expect(none.json).to.deep.equal([]);
  });

  it('pages with limit and X-Continuation-Token, refusing a token of another resource', async () => {
    for (let index = 0; index < 5; index += 1) {
      await callRoute(app.routes, 'createAuditRecord', { body: record(PATIENT, `op${index}`) });
      clock.advance(index % 2 === 0 ? 0 : 5);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: PATIENT, limit: '2', ...(token !== undefined ? { continuationToken: token } : {}) } });
      expect(response.status).to.equal(200);
      seen.push(...(response.json as { resource: { operation: string } }[]).map((entry) => entry.resource.operation));
      token = response.headers.get('x-continuation-token') ?? undefined;
      pages += 1;
    } while (token !== undefined && pages < 10);
    expect(seen).to.deep.equal(['op0', 'op1', 'op2', 'op3', 'op4']);
    expect(pages).to.equal(3);
    const first = await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: PATIENT, limit: '2' } });
    const foreign = await callRoute(app.routes, 'listAuditRecords', {
      query: { resourceId: '99999999-9999-4999-8999-999999999999', continuationToken: first.headers.get('x-continuation-token')! },
    });
    expect(foreign.status).to.equal(400);
  });

  it('keeps records made in the same millisecond in the order they were made', async () => {
    // Ids that sort against creation order, so only createdDate can keep the order.
    let next = 9;
    await fixture.prepare(AUDIT_DATABASE, `${dbName}-same-ms`);
    const settings: Record<string, string> = { AUDIT_DB_CONNECTION: fixture.uri, AUDIT_DB_NAME: `${dbName}-same-ms` };
    const sameMs = createAuditApiApp((name) => settings[name], { clock, newId: () => `00000000-0000-4000-8000-00000000000${next--}`, telemetry: new RecordingTelemetry(), log: new RecordingLog() });
    for (const operation of ['first', 'second', 'third']) await callRoute(sameMs.routes, 'createAuditRecord', { body: record(PATIENT, operation) });
    const response = await callRoute(sameMs.routes, 'listAuditRecords', { query: { resourceId: PATIENT } });
    await sameMs.close();
    const records = response.json as { resource: { operation: string }; createdDate: string }[];
    expect(records.map((entry) => entry.resource.operation)).to.deep.equal(['first', 'second', 'third']);
    expect(new Set(records.map((entry) => entry.createdDate)).size).to.equal(3);
  });

  it('answers 400 without a resourceId or with a limit out of range', async () => {
    expect((await callRoute(app.routes, 'listAuditRecords')).status).to.equal(400);
    expect((await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: PATIENT, limit: '1001' } })).status).to.equal(400);
    expect((await callRoute(app.routes, 'listAuditRecords', { query: { resourceId: PATIENT, limit: '0' } })).status).to.equal(400);
  });

  it('answers 503 with a problem document when its database is unreachable', async () => {
    const settings: Record<string, string> = { AUDIT_DB_CONNECTION: 'mongodb://127.0.0.1:1/?directConnection=true' };
    const offline = createAuditApiApp((name) => settings[name], { telemetry: new RecordingTelemetry(), log: new RecordingLog(), mongoClientOptions: { serverSelectionTimeoutMS: 200 } });
    const response = await callRoute(offline.routes, 'createAuditRecord', { body: record(PATIENT) });
    expect(response.status).to.equal(503);
    expect(response.json).to.deep.equal({ type: 'https://patient-records/problems/database-unavailable', title: 'The database is unavailable', status: 503 });
    await offline.close();
  });
});
