import { expect } from 'chai';
import { readLocalStackStatus } from '../../twin/index';
import { newPatient, newTestResult, type GatewayClient } from '../support/gateway-client';
import { sleep, waitUntil } from '../support/http';
import { contractsWithPolicy, isAlive, removeDir, startLocalStack, tempDir, UNLIMITED_RATE, type LocalStackFixture } from '../support/local-stack';
import { readLedger } from './support/data-ledger';

/** The Cosmos DB account twins: the processes holding the data. */
const ACCOUNTS = ['patients-data', 'audit-data'];
const CLIENTS = 16;

/** A write the stack acknowledged with a 2xx: where to read it back, what it said, and its audit row's resource id. */
interface Acknowledged {
  path: string;
  body: unknown;
  auditId: string;
}

interface LoadRound {
  acknowledged: Acknowledged[];
  failed: number;
  stop(): Promise<void>;
}

/**
 * CLIENTS clients, each creating a patient then a test result for it, over and over, until
 * stopped. A reply that is not a 2xx, or no reply at all, is a failure, never an acknowledgement.
 */
function startLoad(client: () => GatewayClient): LoadRound {
  let running = true;
  const round: LoadRound = { acknowledged: [], failed: 0, stop: () => Promise.resolve() };
  const worker = async (): Promise<void> => {
    while (running) {
      const gw = client();
      try {
        const created = await gw.json('POST', '/patient', newPatient('Crash'), { timeoutMs: 10_000 });
        if (created.status !== 201) {
          round.failed += 1;
          await sleep(20);
          continue;
        }
        const patient = created.json<{ id: string }>();
        round.acknowledged.push({ path: `/patient/${patient.id}`, body: patient, auditId: patient.id });
        const test = await gw.json('POST', `/patient/${patient.id}/tests`, newTestResult(), { timeoutMs: 10_000 });
        if (test.status !== 201) {
          round.failed += 1;
          continue;
        }
        const result = test.json<{ id: string }>();
        round.acknowledged.push({ path: `/patient/${patient.id}/tests/${result.id}`, body: result, auditId: `${patient.id}/tests/${result.id}` });
      } catch {
        round.failed += 1;
        await sleep(20);
      }
    }
  };
  const workers = Promise.all(Array.from({ length: CLIENTS }, worker));
  round.stop = async () => {
    running = false;
    await workers;
  };
  return round;
}

/** JSON with object keys sorted: the same resource compares equal whatever order its fields come in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('crash safety: kill -9 of the database and of the whole stack loses no acknowledged write and no audit row', function () {
  this.timeout(120_000);
  let dataDir: string;
  let contractsDir: string;
  let stack: LocalStackFixture | undefined;

  before(() => {
    dataDir = tempDir('reliability-crash');
    contractsDir = contractsWithPolicy(dataDir, [UNLIMITED_RATE]);
  });

  after(async () => {
    await stack?.stop();
    removeDir(dataDir);
  });

  it(`keeps every write acknowledged to ${CLIENTS} concurrent clients, intact and audited`, async () => {
    stack = await startLocalStack({ ownProcess: true, config: { contractsDir } }, dataDir);
    let gw: GatewayClient = stack.gw;

    // Round 1: both account twins die mid-load; the supervisor restarts them and the apps reconnect.
    const round1 = startLoad(() => gw);
    await sleep(1500);
    const dbPids = await Promise.all(ACCOUNTS.map((name) => stack!.pid(name)));
    for (const pid of dbPids) process.kill(pid, 'SIGKILL');
    await waitUntil('the database processes to die', () => Promise.resolve(dbPids.every((pid) => !isAlive(pid))), 5000);
    await waitUntil('the databases to be restarted', async () => {
      const processes = (await readLocalStackStatus(dataDir)).processes.filter((p) => ACCOUNTS.includes(p.name));
      return processes.every((p) => p.state === 'up' && !dbPids.includes(p.pid!));
    });
    await sleep(1500);
    await round1.stop();
    const afterDbKill = await gw.json('POST', '/patient', newPatient('Crash'));
    expect(afterDbKill.status, 'the stack serves again after the database restarted').to.equal(201);

    // Round 2: the whole stack dies at once (SIGKILL to the supervisor's process group), mid-load.
    const round2 = startLoad(() => gw);
    await sleep(1500);
    const pids = (await readLocalStackStatus(dataDir)).processes.map((p) => p.pid!);
    await stack.killGroup();
    await round2.stop();
    // Orphans are reaped by init a moment after their parent's death.
    await waitUntil('every process of the stack to be gone', () => Promise.resolve(pids.every((pid) => !isAlive(pid))), 5000);

    stack = await startLocalStack({ ownProcess: true, config: { contractsDir } }, dataDir);
    gw = stack.gw;
    const acknowledged = [...round1.acknowledged, { path: `/patient/${afterDbKill.json<{ id: string }>().id}`, body: afterDbKill.json(), auditId: afterDbKill.json<{ id: string }>().id }, ...round2.acknowledged];

    const lost: string[] = [];
    let recovered = 0;
    for (const write of acknowledged) {
      const reply = await gw.json('GET', write.path);
      if (reply.status === 200 && canonical(reply.json()) === canonical(write.body)) recovered += 1;
      else lost.push(`${write.path}: ${reply.status}`);
    }
    const databases = await stack.databases();
    let ledger;
    try {
      ledger = await readLedger(databases);
    } finally {
      await databases.close();
    }
    const createdRows = new Set([...ledger.audits.values()].filter((row) => row.resource.operation === 'create').map((row) => row.resource.id));
    const unaudited = acknowledged.filter((write) => !createdRows.has(write.auditId)).map((write) => write.path);

    console.log(
      `    round 1 (kill -9 db): ${round1.acknowledged.length} acknowledged, ${round1.failed} failed; round 2 (kill -9 stack): ${round2.acknowledged.length} acknowledged, ${round2.failed} failed`,
    );
    console.log(`    writes acknowledged ${acknowledged.length}, recovered ${recovered}, lost = ${lost.length}; audit rows checked ${acknowledged.length}, missing ${unaudited.length}`);
    expect(round1.acknowledged.length).to.be.greaterThan(20);
    expect(round2.acknowledged.length).to.be.greaterThan(20);
    expect(lost).to.deep.equal([]);
    expect(unaudited).to.deep.equal([]);
  });
});
