import { trace, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { applicationInsightsStarter, createOpenTelemetryTelemetry, createTelemetry } from '../../../../functions/shared/src/telemetry';
import { continueTrace } from '../../../../functions/shared/src/trace-context';

const INCOMING = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('telemetry', () => {
  it('without an OpenTelemetry SDK, still gives the request a child span id of the incoming trace', () => {
    const span = createOpenTelemetryTelemetry().startRequest('loadPatient', continueTrace(INCOMING));
    expect(span.trace.traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.trace.spanId).to.match(/^[0-9a-f]{16}$/).and.not.equal('00f067aa0ba902b7');
    span.end(200);
  });

  it('does not load Application Insights when no connection string is set', () => {
    createTelemetry(() => undefined);
    expect(Object.keys(require.cache).some((path) => path.includes('node_modules/applicationinsights/'))).to.equal(false);
  });

  it('starts Application Insights once when configured, with its http and MongoDB instrumentations off (the apps record those calls)', async () => {
    const started: unknown[] = [];
    const load = () => Promise.resolve({ useAzureMonitor: (options: unknown) => void started.push(options) });
    const settings = (name: string) => (name === 'APPLICATIONINSIGHTS_CONNECTION_STRING' ? 'InstrumentationKey=00000000-0000-0000-0000-000000000000' : undefined);
    const start = applicationInsightsStarter(load);
    createTelemetry(settings, start);
    createTelemetry(settings, start);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).to.deep.equal([
      {
        azureMonitorExporterOptions: { connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000' },
        instrumentationOptions: { http: { enabled: false }, mongoDb: { enabled: false } },
      },
    ]);
  });

  describe('with an OpenTelemetry provider registered', () => {
    const exporter = new InMemorySpanExporter();
    before(() => {
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    });
    after(() => {
      trace.disable();
    });

    it('records the request as a server span of the incoming trace and dependencies as its children', () => {
      const telemetry = createOpenTelemetryTelemetry();
      const request = telemetry.startRequest('createPatient', continueTrace(INCOMING));
      telemetry.trackDependency(request.trace, {
        type: 'HTTP',
        name: 'POST /auditrecord',
        target: '127.0.0.1:7072',
        startedAt: new Date(),
        durationMs: 12,
        success: true,
        resultCode: '201',
      });
      request.end(201);
      const [dependency, server] = exporter.getFinishedSpans();
      expect(server.kind).to.equal(SpanKind.SERVER);
      expect(server.spanContext().traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(server.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
      expect(request.trace.spanId).to.equal(server.spanContext().spanId);
      expect(dependency.kind).to.equal(SpanKind.CLIENT);
      expect(dependency.name).to.equal('POST /auditrecord');
      expect(dependency.parentSpanContext?.spanId).to.equal(server.spanContext().spanId);
      expect(dependency.spanContext().traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    });
  });
});
