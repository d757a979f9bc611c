import type { Clock } from '../../../functions/shared/src/clock';
import type { RequestLog, RequestLogEntry } from '../../../functions/shared/src/request-log';
import type { DependencyCall, Telemetry } from '../../../functions/shared/src/telemetry';
import type { TraceContext } from '../../../functions/shared/src/trace-context';

/** Time that moves only when told to, or when someone sleeps. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = Date.parse('2026-01-15T10:00:00.000Z')) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
    return Promise.resolve();
  }
}

export class RecordingTelemetry implements Telemetry {
  readonly dependencies: { trace: TraceContext; call: DependencyCall }[] = [];
  readonly requests: { name: string; trace: TraceContext; status?: number }[] = [];

  startRequest(name: string, incoming: TraceContext) {
    const entry: { name: string; trace: TraceContext; status?: number } = { name, trace: incoming };
    this.requests.push(entry);
    return {
      trace: incoming,
      end(status: number) {
        entry.status = status;
      },
    };
  }

  trackDependency(trace: TraceContext, call: DependencyCall): void {
    this.dependencies.push({ trace, call });
  }

  mongoCalls(): DependencyCall[] {
    return this.dependencies.map((entry) => entry.call).filter((call) => call.type === 'MongoDB');
  }
}

export class RecordingLog implements RequestLog {
  readonly entries: RequestLogEntry[] = [];
  readonly failures: string[] = [];

  request(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  failure(_traceId: string, operation: string): void {
    this.failures.push(operation);
  }

  readonly databaseChecks: Array<{ database: string; problem: string | undefined }> = [];

  databaseCheck(database: string, problem: string | undefined): void {
    this.databaseChecks.push({ database, problem });
  }
}

/** Ids in creation order, valid UUIDs, easy to read in failures. */
export function sequentialIds(prefix = '00000000-0000-4000-8000-'): () => string {
  let next = 1;
  return () => prefix + String(next++).padStart(12, '0');
}
