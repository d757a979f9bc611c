import type { TokenCredential } from '@azure/identity';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { TELEMETRY_SETTING } from '../../../contracts/app-settings';
import type { SettingsSource } from './settings';
import { telemetryClientId } from './telemetry-authentication';
import { managedIdentityCredentials, type TelemetryCredentialFactory } from './telemetry-credential';
import type { TraceContext } from './trace-context';

/** One call to something outside the app: an audit request or one database attempt. */
export interface DependencyCall {
  type: 'HTTP' | 'MongoDB';
  /** Low-cardinality operation name, e.g. `POST /auditrecord` or `patients.findOne`. Never ids or values. */
  name: string;
  target: string;
  startedAt: Date;
  durationMs: number;
  success: boolean;
  resultCode: string;
  /** 1 for the first try; retries count up. */
  attempt?: number;
}

export interface RequestSpan {
  /** The trace context this request's own work runs under (its span id is the parent of dependencies). */
  readonly trace: TraceContext;
  end(status: number): void;
}

/** What handlers and stores report; implemented over OpenTelemetry, faked in tests. */
export interface Telemetry {
  startRequest(name: string, incoming: TraceContext): RequestSpan;
  trackDependency(trace: TraceContext, call: DependencyCall): void;
}

const TRACER_NAME = 'patient-records';

/**
 * Reports through the global OpenTelemetry API: a no-op unless a tracer provider is
 * registered (Application Insights when configured, an in-memory exporter in tests).
 */
export function createOpenTelemetryTelemetry(): Telemetry {
  return {
    startRequest(name, incoming) {
      const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.SERVER }, parentContext(incoming.traceId, incoming.parentSpanId, incoming.sampled));
      const recorded = span.spanContext();
      // A recording span owns the ids; without an SDK the no-op span only echoes its parent, so keep ours.
      const own: TraceContext = span.isRecording()
        ? { traceId: recorded.traceId, parentSpanId: incoming.parentSpanId, spanId: recorded.spanId, sampled: incoming.sampled }
        : incoming;
      return {
        trace: own,
        end(status) {
          span.setAttribute('http.response.status_code', status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    trackDependency(current, call) {
      const span = trace.getTracer(TRACER_NAME).startSpan(
        call.name,
        {
          kind: SpanKind.CLIENT,
          startTime: call.startedAt,
          attributes: {
            'dependency.type': call.type,
            'server.address': call.target,
            'dependency.result_code': call.resultCode,
            ...(call.attempt !== undefined ? { 'dependency.attempt': call.attempt } : {}),
          },
        },
        parentContext(current.traceId, current.spanId, current.sampled),
      );
      span.setStatus({ code: call.success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
      span.end(new Date(call.startedAt.getTime() + call.durationMs));
    },
  };
}

function parentContext(traceId: string, spanId: string | undefined, sampled: boolean): Context {
  if (spanId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** The part of `applicationinsights` the apps use; passed in so tests can see how it is started. */
export interface ApplicationInsightsModule {
  useAzureMonitor(options: {
    azureMonitorExporterOptions: { connectionString: string; credential?: TokenCredential };
    instrumentationOptions: { http: { enabled: boolean }; mongoDb: { enabled: boolean } };
  }): void;
}

/**
 * Starts Application Insights with a connection string, at most once for the starter's lifetime;
 * with a client id, ingestion is authenticated as that managed identity.
 */
export type ApplicationInsightsStarter = (connectionString: string, clientId: string | undefined) => void;

/**
 * Application Insights, loaded lazily and started once: it then registers itself as the
 * OpenTelemetry provider the spans flow to. Its own http and MongoDB instrumentations stay
 * off: the apps record the audit call and every database attempt themselves, and would
 * otherwise be counted twice. With local authentication disabled on the resource, ingestion
 * takes only an Entra token, and the exporters get one only from the credential given in
 * `azureMonitorExporterOptions`: the SDK does not read the Functions host's setting for them.
 */
export function applicationInsightsStarter(load: () => Promise<ApplicationInsightsModule>, credentialFor: TelemetryCredentialFactory): ApplicationInsightsStarter {
  let started: Promise<void> | undefined;
  return (connectionString, clientId) => {
    started ??= Promise.all([load(), clientId === undefined ? undefined : credentialFor(clientId)])
      .then(([applicationInsights, credential]) =>
        applicationInsights.useAzureMonitor({
          azureMonitorExporterOptions: credential === undefined ? { connectionString } : { connectionString, credential },
          instrumentationOptions: { http: { enabled: false }, mongoDb: { enabled: false } },
        }),
      )
      .catch(() => {
        // Telemetry must never take the API down: serve without it, try again with the next app.
        started = undefined;
      });
  };
}

/** Process-wide: the SDK registers global providers, so however many apps a process creates, it starts once. */
const startApplicationInsights = applicationInsightsStarter(() => import('applicationinsights'), managedIdentityCredentials());

/**
 * Telemetry for an app. Application Insights is loaded and started only when its connection
 * string is set (it is slow to load and, once started, reaches Azure's metadata endpoint). A
 * malformed authentication setting stops the start: serving with telemetry silently refused
 * would hide the very requests an incident needs.
 */
export function createTelemetry(settings: SettingsSource, start: ApplicationInsightsStarter = startApplicationInsights): Telemetry {
  const connectionString = settings(TELEMETRY_SETTING);
  if (connectionString !== undefined && connectionString.trim() !== '') start(connectionString, telemetryClientId(settings));
  return createOpenTelemetryTelemetry();
}
