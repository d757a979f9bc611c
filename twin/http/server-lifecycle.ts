import type { Server } from 'node:http';

/** Stops accepting connections and resolves once the in-flight requests have finished; idle keep-alive sockets close at once. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** The first value of a request header Node may have split into several. */
export function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
