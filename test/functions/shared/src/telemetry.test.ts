import { trace, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TokenCredential } from '@azure/identity';
import { expect } from 'chai';
import { applicationInsightsStarter, createOpenTelemetryTelemetry, createTelemetry } from '../../../../functions/shared/src/telemetry';
import { SettingsError } from '../../../../functions/shared/src/settings';
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

  describe('starting Application Insights (a fake module: nothing is loaded or contacted)', () => {
    const CONNECTION_STRING = 'InstrumentationKey=00000000-0000-0000-0000-000000000000';
    const CLIENT_ID = '8f0c2a51-3b7e-4d9a-9c1e-2f6b7a4d5e03';
    const INSTRUMENTATIONS = { http: { enabled: false }, mongoDb: { enabled: false } };
    /** Stands in for the ManagedIdentityCredential the apps would get: never asked for a token here. */
    const fakeCredential = (): TokenCredential => ({ getToken: () => Promise.reject(new Error('no token in tests')) });

    function fakeSdk() {
      const started: unknown[] = [];
      const credentials: { clientId: string; credential: TokenCredential }[] = [];
      const load = () => Promise.resolve({ useAzureMonitor: (options: unknown) => void started.push(options) });
      const credentialFor = (clientId: string) => {
        const credential = fakeCredential();
        credentials.push({ clientId, credential });
        return Promise.resolve(credential);
      };
      return { started, credentials, start: applicationInsightsStarter(load, credentialFor) };
    }

    const settingsOf = (values: Record<string, string>) => (name: string) => values[name];
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    it('starts once, with the connection string alone and no credential, when no Entra authentication is set (as the local stack never sets it)', async () => {
      const sdk = fakeSdk();
      const settings = settingsOf({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING });
      createTelemetry(settings, sdk.start);
      createTelemetry(settings, sdk.start);
      await settle();
      expect(sdk.started).to.deep.equal([{ azureMonitorExporterOptions: { connectionString: CONNECTION_STRING }, instrumentationOptions: INSTRUMENTATIONS }]);
      expect(sdk.credentials).to.deep.equal([]);
    });

    it("with APPLICATIONINSIGHTS_AUTHENTICATION_STRING set, sends with a managed identity credential for the app's identity: ingestion with local auth off takes only an Entra token", async () => {
      const sdk = fakeSdk();
      const settings = settingsOf({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT_ID}`,
      });
      createTelemetry(settings, sdk.start);
      createTelemetry(settings, sdk.start);
      await settle();
      expect(sdk.credentials.map((made) => made.clientId)).to.deep.equal([CLIENT_ID]);
      expect(sdk.started).to.have.length(1);
      expect(sdk.started[0]).to.deep.equal({ azureMonitorExporterOptions: { connectionString: CONNECTION_STRING, credential: sdk.credentials[0].credential }, instrumentationOptions: INSTRUMENTATIONS });
    });

    it('refuses to start the app with a malformed authentication string, naming the setting and never its value; nothing is loaded', async () => {
      for (const malformed of ['Authorization=AAD', `Authorization=Key;ClientId=${CLIENT_ID}`, 'Authorization=AAD;ClientId=my-secret-value', `ClientId=${CLIENT_ID}`, 'my-secret-value']) {
        const sdk = fakeSdk();
        const settings = settingsOf({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: malformed });
        const error = (() => {
          try {
            createTelemetry(settings, sdk.start);
          } catch (thrown) {
            return thrown;
          }
          return undefined;
        })();
        expect(error, malformed).to.be.instanceOf(SettingsError);
        expect((error as Error).message, malformed).to.include('APPLICATIONINSIGHTS_AUTHENTICATION_STRING').and.not.include('my-secret-value');
        await settle();
        expect(sdk.started, malformed).to.deep.equal([]);
        expect(sdk.credentials, malformed).to.deep.equal([]);
      }
    });

    it('serves without telemetry when the credential cannot be made, and tries again with the next app', async () => {
      const started: unknown[] = [];
      let attempts = 0;
      const load = () => Promise.resolve({ useAzureMonitor: (options: unknown) => void started.push(options) });
      const credentialFor = () => (++attempts === 1 ? Promise.reject(new Error('identity unavailable')) : Promise.resolve(fakeCredential()));
      const start = applicationInsightsStarter(load, credentialFor);
      const settings = settingsOf({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT_ID}`,
      });
      const span = createTelemetry(settings, start).startRequest('loadPatient', continueTrace(INCOMING));
      span.end(200);
      await settle();
      expect(started).to.deep.equal([]);
      createTelemetry(settings, start);
      await settle();
      expect(started).to.have.length(1);
    });
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
