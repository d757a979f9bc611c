import { createServer } from 'node:net';

/** The gateway's fixed port is taken: another process (another local stack, often) listens there. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`the gateway's address ${host}:${port} is in use by another process`);
  }
}

/**
 * Refuses a port another process listens on before anything starts, instead of after the databases
 * and apps have: binds it as the gateway will, on the same address, and lets go at once. Any other
 * failure to bind is left to the gateway's own start, which reports it.
 */
export function ensurePortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? reject(new PortInUseError(host, port)) : resolve()));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
