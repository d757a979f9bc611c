import { flushRequestLogs } from '../logging/request-logger';

/** Messages between the supervisor and its child processes (over the fork IPC channel). */
export type ToChild =
  | { type: 'start'; config: unknown }
  | { type: 'call'; id: number; method: string; params: unknown }
  | { type: 'stop' };

export type FromChild =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; message: string };

export interface ChildService {
  /** Facts for the supervisor (e.g. the port actually bound). */
  info: Record<string, unknown>;
  methods: Record<string, (params: unknown) => unknown>;
  close(): Promise<void>;
}

/**
 * The child side: waits for its configuration, starts the service, answers calls, and closes
 * cleanly on `stop` or when the supervisor goes away.
 */
export function runChildService<C>(start: (config: C) => Promise<ChildService>): void {
  let service: ChildService | undefined;
  let closing = false;
  const send = (message: FromChild) => {
    if (process.connected) process.send?.(message);
  };
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // The request logs write asynchronously: flush them once the service has stopped serving.
    const done = (service ? service.close() : Promise.resolve()).finally(flushRequestLogs);
    done.then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // A signal to the whole process group (Ctrl-C, or SIGTERM from systemd or `timeout`) reaches the
  // children too. The supervisor stops them in order (front to back, so in-flight requests drain),
  // so a child ignores both and waits for `stop`, or for the supervisor to go away.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', shutdown);
  process.on('message', (raw: ToChild) => {
    if (raw.type === 'stop') shutdown();
    else if (raw.type === 'start') {
      start(raw.config as C).then(
        (started) => {
          service = started;
          send({ type: 'ready', info: started.info });
        },
        (error: unknown) => {
          send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
          setTimeout(() => process.exit(1), 50);
        },
      );
    } else if (raw.type === 'call') {
      const method = service?.methods[raw.method];
      Promise.resolve()
        .then(() => {
          if (!method) throw new Error(`unknown method ${raw.method}`);
          return method(raw.params);
        })
        .then(
          (result) => send({ type: 'reply', id: raw.id, ok: true, result: result ?? null }),
          (error: unknown) => send({ type: 'reply', id: raw.id, ok: false, message: error instanceof Error ? error.message : String(error) }),
        );
    }
  });
}
