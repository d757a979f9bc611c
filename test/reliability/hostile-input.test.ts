import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { GatewayClient } from '../support/gateway-client';
import { contentType, mapConcurrently, send } from '../support/http';
import { contractsWithPolicy, controlToken, removeDir, startLocalStack, tempDir, UNLIMITED_RATE, type LocalStackFixture, type StackDatabases } from '../support/local-stack';
import { operatorKeysStored } from './support/data-ledger';
import { hostileRequest, markedPatient, PII_MARKER, type HostileRequest } from './support/hostile-requests';

const INPUTS = 2200;
const CONCURRENCY = 8;
const SEED = Number(process.env.HOSTILE_INPUT_SEED ?? 20_260_101);
const RAW_TIMEOUT_MS = 10_000;

interface Outcome {
  kind: string;
  /** HTTP status, or 0 when the server closed the connection without an answer. */
  status: number;
  problem?: string;
}

/**
 * Writes raw bytes to the gateway and reads what comes back until the server closes the
 * connection (the requests ask for `Connection: close`). The socket is not half-closed: a
 * client's FIN makes Node's server drop requests still in progress, which would hide answers.
 * A connection still open after the deadline counts only if an answer came: no answer is a hang.
 */
function sendRaw(url: string, bytes: string): Promise<number[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const received = () => statusesIn(Buffer.concat(chunks).toString('latin1'));
    const timer = setTimeout(() => {
      socket.destroy();
      const statuses = received();
      if (statuses.length > 0) resolve(statuses);
      else reject(new Error(`no answer to a raw request within ${RAW_TIMEOUT_MS} ms`));
    }, RAW_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // The server may reset a connection it refuses mid-write; that is an answer too.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve(received());
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received());
    });
    socket.write(Buffer.from(bytes, 'utf8'));
  });
}

function statusesIn(text: string): number[] {
  return [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
}

describe('hostile input through the gateway (fast-check): no 5xx, no operator stored, nothing personal or secret in the logs', function () {
  this.timeout(180_000);
  let stack: LocalStackFixture;
  let dataDir: string;
  let gw: GatewayClient;
  let db: StackDatabases;
  let pid: string;
  let tid: string;

  before(async function () {
    this.timeout(60_000);
    dataDir = tempDir('reliability-hostile');
    // Children's stdout is captured too: the function apps write their request lines there.
    stack = await startLocalStack({ ownProcess: true, captureStdout: true, quiet: false, config: { contractsDir: contractsWithPolicy(dataDir, [UNLIMITED_RATE]) } }, dataDir);
    gw = stack.gw;
    db = await stack.databases();
    const patient = await gw.json('POST', '/patient', markedPatient());
    expect(patient.status).to.equal(201);
    pid = patient.json<{ id: string }>().id;
    const test = await gw.json('POST', `/patient/${pid}/tests`, { observations: [{ code: 'HB', measurement: `${PII_MARKER}seed` }] });
    expect(test.status).to.equal(201);
    tid = test.json<{ id: string }>().id;
  });

  after(async () => {
    await db?.close();
    await stack?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it(`answers ${INPUTS} generated hostile requests without a 5xx, stores no operator and logs no personal data, key or token`, async () => {
    const fill = (text: string) => text.split('{pid}').join(pid).split('{tid}').join(tid).split('{key}').join(stack.info.subscriptionKey);
    const inputs = fc.sample(hostileRequest, { numRuns: INPUTS, seed: SEED });
    const outcomes = await mapConcurrently(inputs, CONCURRENCY, async (input: HostileRequest): Promise<Outcome[]> => {
      if (input.transport === 'raw') {
        const statuses = await sendRaw(stack.info.gatewayUrl, fill(input.bytes));
        return statuses.length === 0 ? [{ kind: input.kind, status: 0 }] : statuses.map((status) => ({ kind: input.kind, status }));
      }
      const reply = await send(`${stack.info.gatewayUrl}${fill(input.path)}`, {
        method: input.method,
        headers: {
          'ocp-apim-subscription-key': stack.info.subscriptionKey,
          ...(input.contentType ? { 'content-type': input.contentType } : {}),
          ...(input.chunked ? { 'transfer-encoding': 'chunked' } : {}),
          ...input.headers,
        },
        body: input.body,
      });
      let problem: string | undefined;
      if (reply.status >= 400) {
        expect(reply.text, `${input.kind}: an error answer echoes a personal value`).not.to.contain(PII_MARKER);
        expect(reply.text, `${input.kind}: an error answer shows internals`).not.to.match(/\bat .+:\d+:\d+\)|MongoServerError|mongodb:\/\//);
        if (contentType(reply).startsWith('application/problem+json')) problem = reply.json<{ type: string }>().type.split('/').pop();
      }
      return [{ kind: input.kind, status: reply.status, ...(problem ? { problem } : {}) }];
    });
    const flat = outcomes.flat();

    const byClass: Record<string, number> = {};
    const byKind: Record<string, Record<string, number>> = {};
    for (const o of flat) {
      const cls = o.status === 0 ? 'closed' : `${Math.floor(o.status / 100)}xx`;
      byClass[cls] = (byClass[cls] ?? 0) + 1;
      byKind[o.kind] ??= {};
      byKind[o.kind][o.status] = (byKind[o.kind][o.status] ?? 0) + 1;
    }
    const serverErrors = flat.filter((o) => o.status >= 500);

    const operators = await operatorKeysStored(db, ['patients', 'audit']);
    const subscriptions = JSON.parse(readFileSync(join(dataDir, 'secrets', 'apim-subscriptions.json'), 'utf8')) as { id: string; primaryKey: string; secondaryKey: string }[];
    const audits = await db.db('audit').collection('audits').find({}).toArray();
    const spoofedCallers = audits.filter((row) => {
      const caller = row.caller as { subscriptionId?: string; clientIp?: string; requestId?: string } | undefined;
      const gatewayRequestId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(caller?.requestId ?? '');
      return !subscriptions.some((s) => s.id === caller?.subscriptionId) || caller?.clientIp !== '127.0.0.1' || !gatewayRequestId;
    });

    const listKeys = async (appId: string) => {
      const keys = (await stack.arm('POST', `${appId}/host/default/listkeys`, '2024-04-01')).json<{ masterKey: string; functionKeys: Record<string, string> }>();
      return [keys.masterKey, ...Object.values(keys.functionKeys)];
    };
    const state = await stack.state();
    const accountKeys = Object.values(JSON.parse(readFileSync(join(dataDir, 'secrets', 'cosmos-account-keys.json'), 'utf8')) as Record<string, string>);
    const secrets = [
      ...subscriptions.flatMap((s) => [s.primaryKey, s.secondaryKey]),
      ...(await listKeys(stack.info.patientApiAppId)),
      ...(await listKeys(stack.info.auditApiAppId)),
      controlToken(dataDir),
      ...accountKeys,
      ...state.secretNames.map((name) => stack.secret(name).value),
    ];
    const logDir = join(dataDir, 'logs');
    const logText = [...readdirSync(logDir).map((name) => readFileSync(join(logDir, name), 'utf8')), stack.lines.join('')].join('\n');
    const logLines = logText.split('\n').filter((line) => line.trim() !== '');
    const leaks = logLines.filter((line) => line.includes(PII_MARKER) || secrets.some((secret) => line.includes(secret)));

    console.log(`    seed ${SEED}; inputs tried ${inputs.length}; answers ${flat.length}; by status class ${JSON.stringify(byClass)}`);
    for (const [kind, statuses] of Object.entries(byKind).sort()) console.log(`      ${kind.padEnd(26)} ${JSON.stringify(statuses)}`);
    console.log(`    documents scanned ${operators.scanned}; operators stored = ${operators.found.length}; audit rows with a spoofed caller = ${spoofedCallers.length}`);
    console.log(`    log lines scanned ${logLines.length} (files and stdout); secrets looked for ${secrets.length}; leaks = ${leaks.length}`);

    expect(inputs.length).to.be.at.least(2000);
    expect(serverErrors, JSON.stringify(serverErrors.slice(0, 5))).to.deep.equal([]);
    expect(operators.found).to.deep.equal([]);
    expect(spoofedCallers.length).to.equal(0);
    expect(logLines.length).to.be.greaterThan(inputs.length);
    expect(leaks.map((line) => line.slice(0, 200))).to.deep.equal([]);
    // No input brought a process down (a crash would have been hidden by the supervisor's restart).
    expect((await stack.state()).processes.map((p) => `${p.name}:${p.state}:${p.restarts}`)).to.deep.equal(['patients-data:up:0', 'audit-data:up:0', 'audit-api:up:0', 'patient-api:up:0', 'apim:up:0']);
  });
});
