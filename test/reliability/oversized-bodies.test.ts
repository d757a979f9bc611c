import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { LocalStackFixture } from '../support/local-stack';
import { sharedLocalStack } from '../support/shared-stack';

const BODY_BYTES = 9 * 1024 * 1024;
const REQUESTS = 120;
const CONCURRENCY = 8;

/** A process's resident set now and at its peak (kB), from /proc. */
function memoryKb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/**
 * Sends a POST of 9 MB, chunked or with its Content-Length, and resolves with the status the
 * gateway answers. The body is written as fast as the socket takes it; an early answer ends it.
 */
function oversizedPost(port: number, key: string, framing: 'chunked' | 'length'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const head = ['POST /patient HTTP/1.1', 'Host: gateway', `Ocp-Apim-Subscription-Key: ${key}`, 'Content-Type: application/json'];
    head.push(framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${BODY_BYTES}`);
    socket.on('connect', () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      const slice = Buffer.alloc(256 * 1024, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < BODY_BYTES && !socket.destroyed) {
          const chunk = framing === 'chunked' ? Buffer.concat([Buffer.from(`${slice.length.toString(16)}\r\n`), slice, Buffer.from('\r\n')]) : slice;
          sent += slice.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      if (status) {
        resolve(Number(status));
        socket.destroy();
      }
    });
    socket.on('close', () => reject(new Error(`no answer (${answer.slice(0, 80)})`)));
    // The gateway closes once it has answered; writes after that may fail, which is expected.
    // A write racing the answer may fail once the answer has come; the answer decides.
    socket.on('error', () => undefined);
  });
}

describe('oversized bodies are refused at the gateway, before anything buffers them', function () {
  this.timeout(180_000);
  let f: LocalStackFixture;

  before(async () => {
    f = await sharedLocalStack();
  });

  it(`${REQUESTS} chunked and ${REQUESTS} declared 9 MB posts: 411 and 413, and neither app's memory grows`, async () => {
    const patient = await f.pid('patient-api');
    const gatewayPid = await f.pid('apim');
    const before = { patient: memoryKb(patient), gateway: memoryKb(gatewayPid) };
    const port = Number(new URL(f.info.gatewayUrl).port);
    const statuses: Record<string, number> = {};
    for (const framing of ['chunked', 'length'] as const) {
      for (let done = 0; done < REQUESTS; done += CONCURRENCY) {
        const batch = await Promise.all(Array.from({ length: CONCURRENCY }, () => oversizedPost(port, f.info.subscriptionKey, framing)));
        for (const status of batch) statuses[`${framing}:${status}`] = (statuses[`${framing}:${status}`] ?? 0) + 1;
      }
    }
    const after = { patient: memoryKb(patient), gateway: memoryKb(gatewayPid) };
    console.log(
      `    statuses ${JSON.stringify(statuses)}; Patient API peak RSS ${Math.round(before.patient.peak / 1024)} -> ${Math.round(after.patient.peak / 1024)} MB, gateway peak RSS ${Math.round(before.gateway.peak / 1024)} -> ${Math.round(after.gateway.peak / 1024)} MB`,
    );
    expect(statuses).to.deep.equal({ 'chunked:411': REQUESTS, 'length:413': REQUESTS });
    // Nothing reached the Patient API; the gateway drained 2 GB without holding it (its peak is read buffers not yet collected).
    expect(after.patient.peak - before.patient.peak, 'Patient API peak growth (kB)').to.be.below(16 * 1024);
    expect(after.gateway.peak - before.gateway.peak, 'gateway peak growth (kB)').to.be.below(128 * 1024);
    expect((await f.gw.json('POST', '/patient/search', {})).status).to.equal(200);
  });
});
