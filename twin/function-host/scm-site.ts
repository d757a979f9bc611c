import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { normalizeAddress } from '../network/cidr';
import { closeServer } from '../http/server-lifecycle';
import { createAccessRestrictions, FORBIDDEN_PAGE, type AccessRules } from './access-restrictions';

export interface ScmSite {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The app's SCM (Kudu) site, `<app>.scm.azurewebsites.net` in Azure: its own access restrictions
 * in front. The local stack deploys from the package, so behind them there is nothing: 404.
 */
export async function startScmSite(config: { appName: string; host: string; port: number; access: AccessRules }, logger: Logger): Promise<ScmSite> {
  const admitted = createAccessRestrictions(config.access);
  const server = createServer((req, res) => {
    const source = normalizeAddress(req.socket.remoteAddress);
    req.resume();
    const allowed = admitted(source);
    res.writeHead(allowed ? 404 : 403, allowed ? {} : { 'content-type': 'text/html' });
    res.end(allowed ? undefined : FORBIDDEN_PAGE);
    logger.info({ app: config.appName, site: 'scm', method: req.method, clientIp: source, status: res.statusCode }, 'request');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}
