import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleApp } from '../../../../stacks/packaging/bundle-app';
import { FunctionFailedError, invokeBuffered, invokeStreamed, type HostRequest } from '../../../../twin/function-host/worker/http-invocation';
import { loadFunctionPackage, unpackPackage, type LoadedPackage } from '../../../../twin/function-host/worker/load-package';
import { send } from '../../../support/http';

const FIXTURES = join(__dirname, '..', 'fixtures', 'functions');

/** Serves one loaded package the way the local host will: every request goes to `fn` through the worker. */
async function serve(pkg: LoadedPackage, name: string, mode: 'buffered' | 'streamed'): Promise<{ url: string; server: Server }> {
  const fn = pkg.functions.find((f) => f.metadata.name === name)!;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const chunks: Buffer[] = [];
    const run = (body: Buffer | undefined) => {
      const request: HostRequest = { req, url, params: { id: url.pathname.split('/').pop() ?? '' }, body, traceParent: req.headers.traceparent as string | undefined, traceState: undefined };
      const invoked = mode === 'buffered' ? invokeBuffered(pkg, fn, request, res, () => undefined) : invokeStreamed(pkg, fn, request, res, () => undefined);
      invoked.catch((error: unknown) => res.writeHead(error instanceof FunctionFailedError ? 500 : 502).end());
    };
    if (mode === 'streamed') run(undefined);
    else {
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => run(Buffer.concat(chunks)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the Functions worker twin: a deploy package loaded and invoked as the Node.js worker does', function () {
  this.timeout(60_000);
  let dir: string;
  const loaded: Record<string, LoadedPackage> = {};
  const servers: Server[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'worker-twin-'));
    for (const app of ['worker-echo', 'worker-stream']) {
      const pkg = await bundleApp(app, { functionsDir: FIXTURES, outDir: join(dir, 'zips') });
      await unpackPackage(pkg.zipPath, join(dir, pkg.app));
      loaded[pkg.app] = await loadFunctionPackage(join(dir, pkg.app), () => undefined);
    }
  });
  after(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects what the entry registers with app.http: names, routes, methods, auth levels', () => {
    const table = loaded['worker-echo'].functions.map(({ metadata }) => {
      const trigger = Object.values(metadata.bindings).find((binding) => binding.type === 'httpTrigger')!;
      return [metadata.name, trigger.route, trigger.methods, trigger.authLevel];
    });
    expect(table).to.deep.equal([
      ['echo', 'echo/{id}', ['GET', 'POST', 'DELETE'], 'function'],
      ['empty', 'empty', ['DELETE'], 'function'],
      ['fail', 'fail', ['GET'], 'function'],
    ]);
    expect(loaded['worker-echo'].capabilities).not.to.have.property('HttpUri');
  });

  it('hands the handler the request in the worker\'s RPC shape and writes its response back, cookies included', async () => {
    const { url, server } = await serve(loaded['worker-echo'], 'echo', 'buffered');
    servers.push(server);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const reply = await send(`${url}/api/echo/p-1?a=1&a=2&b=3`, { method: 'POST', headers: { 'x-test': 'hello', 'content-type': 'text/plain', traceparent }, body: 'payload' });
    expect(reply.status).to.equal(201);
    expect(reply.headers['x-echo']).to.equal('yes');
    expect(reply.headers['set-cookie']).to.deep.equal(['seen=1; Path=/; HttpOnly']);
    expect(reply.json()).to.deep.equal({
      method: 'POST',
      url: `${url}/api/echo/p-1?a=1&a=2&b=3`,
      params: { id: 'p-1' },
      query: { a: '1', b: '3' },
      header: 'hello',
      body: 'payload',
      functionName: 'echo',
      traceParent: traceparent,
    });
  });

  it('answers an unhandled failure with 500 and nothing of the error, and a 204 with no body', async () => {
    const failing = await serve(loaded['worker-echo'], 'fail', 'buffered');
    const empty = await serve(loaded['worker-echo'], 'empty', 'buffered');
    servers.push(failing.server, empty.server);
    const reply = await send(`${failing.url}/api/fail`);
    expect(reply.status).to.equal(500);
    expect(reply.text).to.equal('');
    const none = await send(`${empty.url}/api/empty`, { method: 'DELETE' });
    expect(none.status).to.equal(204);
    expect(none.text).to.equal('');
  });

  it('streams the request of an app that asked for it: proxied to the worker\'s HttpUri, the body never held whole', async () => {
    expect(loaded['worker-stream'].capabilities.HttpUri).to.match(/^http:\/\/localhost:\d+\/$/);
    const { url, server } = await serve(loaded['worker-stream'], 'count', 'streamed');
    servers.push(server);
    const body = 'x'.repeat(5 * 1024 * 1024);
    writeFileSync(join(dir, 'body.txt'), body);
    const reply = await send(`${url}/api/count/p-2`, { method: 'POST', headers: { 'x-test': 'streamed' }, body });
    expect(reply.status).to.equal(200);
    expect(reply.json()).to.deep.equal({ bytes: body.length, id: 'p-2', header: 'streamed' });
  });
});
