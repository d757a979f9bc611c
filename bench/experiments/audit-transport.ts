import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult } from '../load-run';
import { startBenchStack, type BenchStack } from '../real-stack';
import { createFixtures, type Fixtures, type Target } from '../workload';

/**
 * What the Patient API's audit-call transport costs: the local stack as it is (audit calls over
 * fetch/undici) against the same stack whose Patient API gets a node:http keep-alive `fetch`
 * through its factory's `fetch` option. Create patient, alternating the two stacks per cell.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '16,64' } } });
  const seconds = Number(values.duration);
  const stacks: { name: string; stack?: BenchStack; target?: Target; fixtures?: Fixtures; results: LoadResult[] }[] = [
    { name: 'fetch (as shipped)', results: [] },
    { name: 'node:http agent', results: [] },
  ];
  try {
    stacks[0].stack = await startBenchStack();
    stacks[1].stack = await startBenchStack({
      apps: { 'patient-api': { module: join(__dirname, 'http-agent-fetch.ts'), factoryExport: 'createPatientApiAppWithHttpAgent' } },
    });
    for (const s of stacks) {
      s.target = { url: s.stack!.info.gatewayUrl, headers: { 'ocp-apim-subscription-key': s.stack!.info.subscriptionKey } };
      s.fixtures = await createFixtures(s.target);
      await runLoad(s.target, 'create patient', s.fixtures, 16, 2);
    }
    for (const connections of values.connections.split(',').map(Number)) {
      for (const s of stacks) {
        const r = await runLoad(s.target!, 'create patient', s.fixtures!, connections, seconds);
        s.results.push(r);
        process.stdout.write(`${s.name.padEnd(20)} c=${String(connections).padEnd(3)} ${r.requestsPerSecond.toFixed(1).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}\n`);
      }
    }
  } finally {
    for (const s of stacks) await s.stack?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`experiment: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
