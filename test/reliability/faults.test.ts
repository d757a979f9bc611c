import { expect } from 'chai';
import type { FaultRule } from '../../twin/mongo';
import { expectCleanFailure, newPatient, newTestResult, type GatewayClient } from '../support/gateway-client';
import { waitUntil, type HttpReply } from '../support/http';
import { contractsWithPolicy, isAlive, programCopy, removeDir, startLocalStack, tempDir, type LocalStackFixture, type StackDatabases } from '../support/local-stack';
import { ledgerDelta, readLedger, unauditedResources } from './support/data-ledger';

/** The audit deadline the fault tests run with, set in a copy of the program: short, so a slow register is found out in well under a second. */
const SHORT_AUDIT_TIMEOUT_MS = 400;
/** The gateway's forward-request timeout in the policy copy these tests run with (the contract's is 20 s). */
const GATEWAY_TIMEOUT_SECONDS = 3;

type Labelled = [label: string, reply: HttpReply];
type Request = () => Promise<Labelled>;

interface PhaseReport {
  fault: string;
  requests: number;
  statuses: Record<number, number>;
  auditRows: number;
  writes: number;
  unaudited: string[];
}

describe('fault injection on the local stack: clean failures, nothing unaudited, recovery on its own', function () {
  this.timeout(60_000);
  let f: LocalStackFixture;
  let gw: GatewayClient;
  let db: StackDatabases;
  let patient: Record<string, string> & { id: string };
  let testId: string;
  const reports: PhaseReport[] = [];

  before(async function () {
    this.timeout(60_000);
    const dataDir = tempDir('reliability-faults');
    const contractsDir = contractsWithPolicy(dataDir, [['<forward-request timeout="20" />', `<forward-request timeout="${GATEWAY_TIMEOUT_SECONDS}" />`]]);
    const programDir = programCopy(dataDir, [{ file: 'program.ts', from: "[PATIENT_API_SETTINGS.auditTimeoutMs]: '5000'", to: `[PATIENT_API_SETTINGS.auditTimeoutMs]: '${SHORT_AUDIT_TIMEOUT_MS}'` }]);
    f = await startLocalStack({ config: { contractsDir }, programDir }, dataDir);
    gw = f.gw;
    db = await f.databases();
    const created = await gw.json('POST', '/patient', newPatient());
    expect(created.status).to.equal(201);
    patient = created.json();
    const test = await gw.json('POST', `/patient/${patient.id}/tests`, newTestResult());
    expect(test.status).to.equal(201);
    testId = test.json<{ id: string }>().id;
  });

  after(async () => {
    for (const r of reports) {
      const statuses = Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ');
      console.log(`    fault ${r.fault.padEnd(24)} requests ${String(r.requests).padStart(3)} (${statuses}), audit rows ${r.auditRows}, data writes ${r.writes}, writes without audit row ${r.unaudited.length}`);
    }
    await db?.close();
    await f?.stop();
    if (f) removeDir(f.dataDir);
  });

  const addFault = async (rule: FaultRule): Promise<void> => {
    expect((await f.control('POST', '/faults/db', rule)).status).to.be.within(200, 201);
  };
  const clearFaults = async (): Promise<void> => {
    expect((await f.control('DELETE', '/faults/db')).status).to.be.within(200, 204);
  };

  /** One of each kind of request: writes of both resources, a read and a search. */
  const everyKind = (): Request[] => [
    label('create patient', () => gw.json('POST', '/patient', newPatient())),
    label('read patient', () => gw.json('GET', `/patient/${patient.id}`)),
    label('update patient', () => gw.json('PUT', `/patient/${patient.id}`, { ...pick(patient), postCode: 'UP1 1AA' })),
    label('create test result', () => gw.json('POST', `/patient/${patient.id}/tests`, newTestResult())),
    label('update test result', () => gw.json('PUT', `/patient/${patient.id}/tests/${testId}`, newTestResult('GLU'))),
    label('search', () => gw.json('POST', '/patient/search', { lastName: 'Lovelace', limit: 5 })),
  ];

  /**
   * Injects a fault, sends requests while it lasts (each must fail cleanly with one of
   * `allowed`, or succeed when `allowed` is 'success'), ends the fault, and checks that the
   * next requests succeed and that every write of the phase has its audit row.
   */
  async function phase(
    fault: string,
    options: { inject(): Promise<void>; requests(): Request[]; oneAtATime?: boolean; settleMs?: number; nothingWrittenUnderFault?: boolean; allowed: number[] | 'success'; heal(): Promise<void>; check?(replies: Labelled[]): void },
  ): Promise<void> {
    const before = await readLedger(db);
    await options.inject();
    let underFault: Labelled[];
    try {
      underFault = options.oneAtATime ? await inSequence(options.requests()) : await Promise.all(options.requests().map((run) => run()));
    } finally {
      await options.heal();
    }
    for (const [what, reply] of underFault) {
      if (options.allowed === 'success') expect(reply.status, `${fault}: ${what}: ${reply.text.slice(0, 200)}`).to.be.within(200, 299);
      else expectCleanFailure(reply, options.allowed, `${fault}: ${what}`);
    }
    options.check?.(underFault);
    const recovery = await Promise.all(everyKind().map((run) => run()));
    for (const [what, reply] of recovery) expect(reply.status, `${fault}, after it ended: ${what}: ${reply.text.slice(0, 200)}`).to.be.within(200, 299);
    // Work the fault held back (an audit insert delayed by latency) may still land; let it, so it counts in this phase.
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 300));
    const delta = ledgerDelta(before, await readLedger(db));
    const statuses: Record<number, number> = {};
    for (const [, reply] of [...underFault, ...recovery]) statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    reports.push({ fault, requests: underFault.length + recovery.length, statuses, auditRows: delta.auditRows.length, writes: delta.writes.length, unaudited: delta.unaudited });
    expect(delta.unaudited, `${fault}: writes without an audit row`).to.deep.equal([]);
    // The recovery requests write two new resources and update the two fixed ones; anything more was written under the fault.
    if (options.nothingWrittenUnderFault) expect(delta.writes, `${fault}: resources written while it lasted`).to.have.length(4);
  }

  it('Audit API down (its process killed): 503 audit-unavailable, nothing read or written; back once the host restarts', async () => {
    await phase('audit API down', {
      async inject() {
        const pid = await f.pid('audit-api');
        process.kill(pid, 'SIGKILL');
        await waitUntil('the audit host to die', () => Promise.resolve(!isAlive(pid)), 5000);
        await waitUntil('the supervisor to see the audit host down', async () => (await f.processState('audit-api')) === 'down', 5000);
      },
      requests: everyKind,
      nothingWrittenUnderFault: true,
      allowed: [503],
      // Restarted means serving again: a fresh process's first audit (connect, first compile) may exceed the short audit timeout.
      heal: async () => {
        await waitUntil('the audit host to be restarted', async () => (await f.processState('audit-api')) === 'up', 15_000);
        await waitUntil('the audit host to serve', async () => (await gw.json('GET', `/patient/${patient.id}`)).status === 200, 15_000);
      },
      check: (replies) => expectTypes(replies, ['audit-unavailable']),
    });
  });

  it(`Audit API slower than AUDIT_TIMEOUT_MS (${SHORT_AUDIT_TIMEOUT_MS} ms): 504 audit-timeout`, async () => {
    await phase('audit API slow', {
      inject: () => addFault({ db: 'audit', kind: 'latency', ms: SHORT_AUDIT_TIMEOUT_MS * 3 }),
      requests: everyKind,
      settleMs: SHORT_AUDIT_TIMEOUT_MS * 3,
      nothingWrittenUnderFault: true,
      allowed: [504],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['audit-timeout']),
    });
  });

  it('Audit API answering 500 (its database failing): 502 audit-rejected', async () => {
    await phase('audit API answers 500', {
      inject: () => addFault({ db: 'audit', collection: 'audits', kind: 'error', code: 8000, message: 'injected failure' }),
      requests: everyKind,
      nothingWrittenUnderFault: true,
      allowed: [502],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['audit-rejected']),
    });
  });

  it('patients database down (every command dropped), one request at a time: 503 database-unavailable', async () => {
    await phase('patients database down', {
      inject: () => addFault({ db: 'patients', kind: 'drop' }),
      requests: everyKind,
      nothingWrittenUnderFault: true,
      oneAtATime: true,
      allowed: [503],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['database-unavailable']),
    });
  });

  it('patients database down (every command dropped), concurrent requests: 503 database-unavailable, never 500', async () => {
    await phase('patients db down, concurrent', {
      inject: () => addFault({ db: 'patients', kind: 'drop' }),
      requests: everyKind,
      allowed: [503],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['database-unavailable']),
    });
  });

  it('transient throttling (16500, RetryAfterMs) on the audit insert and the patient reads: retried, every request succeeds', async () => {
    await phase('throttling, transient', {
      async inject() {
        await addFault({ db: 'audit', collection: 'audits', command: 'insert', kind: 'throttle', retryAfterMs: 40, times: 3 });
        await addFault({ db: 'patients', collection: 'patients', command: 'find', kind: 'throttle', retryAfterMs: 40, times: 3 });
      },
      requests: everyKind,
      // One at a time, so each throttle lands on the first requests and is retried by them.
      oneAtATime: true,
      allowed: 'success',
      heal: clearFaults,
    });
  });

  it('persistent throttling of the patients collection: a clean 503 database-throttled with Retry-After', async () => {
    await phase('throttling, persistent', {
      inject: () => addFault({ db: 'patients', collection: 'patients', kind: 'throttle', retryAfterMs: 60 }),
      requests: () => everyKind().filter((_, i) => i !== 4),
      nothingWrittenUnderFault: true,
      allowed: [503],
      heal: clearFaults,
      check(replies) {
        expectTypes(replies, ['database-throttled']);
        for (const [what, reply] of replies) expect(Number(reply.headers['retry-after']), `${what}: Retry-After`).to.be.at.least(1);
      },
    });
  });

  it('failing mid-write (connection lost on the insert, after the audit row was written): 503, no half-written data', async () => {
    const midWriteBody = newPatient();
    await phase('failing mid-write', {
      async inject() {
        await addFault({ db: 'patients', collection: 'patients', command: 'insert', kind: 'drop' });
        await addFault({ db: 'patients', collection: 'tests', command: 'insert', kind: 'drop' });
      },
      requests: () => [
        label('create patient', () => gw.json('POST', '/patient', newPatient())),
        label('create patient with Idempotency-Key', () => gw.json('POST', '/patient', midWriteBody, { headers: { 'idempotency-key': 'mid-write-1' } })),
        label('create test result', () => gw.json('POST', `/patient/${patient.id}/tests`, newTestResult())),
      ],
      nothingWrittenUnderFault: true,
      allowed: [503],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['database-unavailable']),
    });
    const retried = await gw.json('POST', '/patient', midWriteBody, { headers: { 'idempotency-key': 'mid-write-1' } });
    expect(retried.status, 'a failed create is not stored for replay: the same Idempotency-Key creates once the fault is gone').to.equal(201);
    expect(retried.headers['idempotent-replayed']).to.equal(undefined);
  });

  it('failing mid-write with ShutdownInProgress (91) on the insert: 503 database-unavailable, never 500', async () => {
    await phase('insert answers 91', {
      inject: () => addFault({ db: 'patients', collection: 'patients', command: 'insert', kind: 'error', code: 91, message: 'ShutdownInProgress' }),
      requests: () => [label('create patient', () => gw.json('POST', '/patient', newPatient()))],
      allowed: [503],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['database-unavailable']),
    });
  });

  it(`the gateway's backend timing out (forward-request timeout ${GATEWAY_TIMEOUT_SECONDS} s): 504 in API Management's shape`, async () => {
    await phase('gateway backend timeout', {
      inject: () => addFault({ db: 'patients', collection: 'patients', command: 'find', kind: 'latency', ms: (GATEWAY_TIMEOUT_SECONDS + 1) * 1000 }),
      settleMs: 1500,
      requests: () => [label('read patient', () => gw.json('GET', `/patient/${patient.id}`, undefined, { timeoutMs: (GATEWAY_TIMEOUT_SECONDS + 5) * 1000 }))],
      allowed: [504],
      heal: clearFaults,
      check: (replies) => expectTypes(replies, ['gateway']),
    });
  });

  it('holds, over every phase, every stored patient and test result to an audit row of its create or update', async () => {
    const ledger = await readLedger(db);
    expect(ledger.versions.size).to.be.greaterThan(10);
    expect(unauditedResources(ledger)).to.deep.equal([]);
  });
});

function label(what: string, run: () => Promise<HttpReply>): Request {
  return () => run().then((reply): Labelled => [what, reply]);
}

async function inSequence(requests: Request[]): Promise<Labelled[]> {
  const replies: Labelled[] = [];
  for (const run of requests) replies.push(await run());
  return replies;
}

function expectTypes(replies: Labelled[], types: string[]): void {
  for (const [what, reply] of replies) {
    const type = reply.headers['content-type']?.toString().startsWith('application/problem+json') ? reply.json<{ type: string }>().type.split('/').pop() : 'gateway';
    expect(types, `${what}: problem type`).to.include(type);
  }
}

function pick(p: Record<string, string>): Record<string, string> {
  const { id, lastUpdated, ...fields } = p;
  void lastUpdated;
  return { ...fields, id };
}
