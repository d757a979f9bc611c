import { expect } from 'chai';
import { createHttpAuditClient } from '../../../../functions/patient-api/src/audit-client';
import { HttpProblem } from '../../../../functions/shared/src/problem';
import { continueTrace } from '../../../../functions/shared/src/trace-context';
import { scriptedServer, type TestServer } from '../../support/audit-server';
import { FakeClock, RecordingTelemetry } from '../../support/fakes';

describe('HTTP audit client', () => {
  let server: TestServer;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  const telemetry = new RecordingTelemetry();
  const context = { trace: continueTrace('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), caller: { subscriptionId: 'sub-9', clientIp: '192.0.2.1' } };

  before(async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
    });
  });
  after(async () => {
    await server.close();
  });

  const client = () =>
    createHttpAuditClient({ baseUrl: server.baseUrl, apiKey: () => 'the-key', timeoutMs: 1000, sourceSystemName: 'patient-api', telemetry, clock: new FakeClock() });

  it('posts the audit row with the key, the trace and the caller, and nothing else', async () => {
    answer = { status: 201, body: '{}' };
    await client().record(context, { type: 'patient', id: '11111111-1111-4111-8111-111111111111', operation: 'read' });
    const request = server.received[server.received.length - 1];
    expect(request.method).to.equal('POST');
    expect(request.url).to.equal('/api/auditrecord');
    expect(request.headers['x-functions-key']).to.equal('the-key');
    expect(request.headers['content-type']).to.equal('application/json');
    expect(request.headers.traceparent).to.equal(`00-0af7651916cd43dd8448eb211c80319c-${context.trace.spanId}-01`);
    expect(JSON.parse(request.body)).to.deep.equal({
      sourceSystemName: 'patient-api',
      resource: { type: 'patient', id: '11111111-1111-4111-8111-111111111111', operation: 'read' },
      caller: { subscriptionId: 'sub-9', clientIp: '192.0.2.1' },
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    const dependency = telemetry.dependencies[telemetry.dependencies.length - 1].call;
    expect(dependency).to.include({ type: 'HTTP', name: 'POST /auditrecord', success: true, resultCode: '201' });
  });

  it('reads a resource trail, passing the continuation token both ways', async () => {
    answer = { status: 200, body: '[{"id":"a"}]', headers: { 'x-continuation-token': 'next-page' } };
    const page = await client().listForResource(context, '11111111-1111-4111-8111-111111111111', 'this-page');
    expect(page).to.deep.equal({ records: [{ id: 'a' }], continuationToken: 'next-page' });
    expect(server.received[server.received.length - 1].url).to.equal('/api/auditrecord?resourceId=11111111-1111-4111-8111-111111111111&continuationToken=this-page');
  });

  it('treats a non-array or non-JSON answer to a read as a refusal (502)', async () => {
    for (const body of ['{"records":[]}', 'not json']) {
      answer = { status: 200, body };
      let problem: unknown;
      await client()
        .listForResource(context, '11111111-1111-4111-8111-111111111111')
        .catch((error: unknown) => (problem = error));
      expect((problem as HttpProblem).kind).to.equal('auditRejected');
    }
  });
});
