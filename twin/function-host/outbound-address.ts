import { isIPv4, Socket } from 'node:net';

type ConnectOptions = { host?: unknown; path?: unknown; localAddress?: unknown } & Record<string, unknown>;

function toLoopback(options: unknown): options is ConnectOptions {
  if (typeof options !== 'object' || options === null) return false;
  const { host, path, localAddress } = options as ConnectOptions;
  return (path === undefined || path === null) && (localAddress === undefined || localAddress === null) && typeof host === 'string' && isIPv4(host) && host.startsWith('127.');
}

/**
 * Makes every outbound TCP connection of this process to a loopback address leave from
 * `localAddress`, as a VNet-integrated app's traffic leaves from its subnet (vnetRouteAllEnabled):
 * the app runs unchanged from its package, and its HTTP client and database driver both connect
 * through `net.Socket#connect`. A connection that names its own local address keeps it.
 */
export function bindOutboundConnections(localAddress: string): void {
  const prototype = Socket.prototype as unknown as { connect: (this: Socket, ...args: unknown[]) => Socket };
  const connect = prototype.connect;
  prototype.connect = function (this: Socket, ...args: unknown[]): Socket {
    // net.connect() passes its normalized arguments, [options, listener], as one array.
    const holder = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    if (toLoopback(holder[0])) holder[0] = { ...holder[0], localAddress };
    return connect.apply(this, args);
  };
}
