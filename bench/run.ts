import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBareChain, type BareChain } from './bare-chain/start';
import { renderChart } from './chart-svg';
import { exitWithUsageOnHelp, positiveInteger, runCommand } from './command-line';
import { measureColdStarts, prepareColdStartSubjects, type ColdStartResult, type PackageSize } from './cold-start';
import { runLoad, type LoadResult } from './load-run';
import { loadAverage, machineInfo } from './machine';
import { checkTargets, renderReport, type BenchReport } from './report';
import { cpuPerRequest } from './process-cpu';
import { startBenchStack, type BenchStack } from './real-stack';
import { createFixtures, OPERATIONS, type Fixtures, type Operation, type Target } from './workload';

const USAGE = `usage: npm run bench -- [--duration <s>] [--connections 1,16,64] [--operations <names>] [--cold-runs <n>] [--skip-load] [--skip-cold-start] [--out <file>]
  --duration       seconds per measured cell (default 10)
  --connections    comma-separated connection counts (default 1,16,64)
  --operations     comma-separated subset of: ${OPERATIONS.join(', ')}
  --cold-runs      fresh processes per cold-start subject (default 10)
  --out            results file (default bench/results.md; the chart is written next to it as results.svg)`;

const WARMUP_SECONDS = 2;

interface Options {
  durationSeconds: number;
  connections: number[];
  operations: Operation[];
  coldRuns: number;
  skipLoad: boolean;
  skipColdStart: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '1,16,64' },
      operations: { type: 'string', default: OPERATIONS.join(',') },
      'cold-runs': { type: 'string', default: '10' },
      'skip-load': { type: 'boolean', default: false },
      'skip-cold-start': { type: 'boolean', default: false },
      out: { type: 'string', default: join(__dirname, 'results.md') },
      help: { type: 'boolean', default: false },
    },
  });
  exitWithUsageOnHelp(values.help, USAGE);
  const operations = values.operations.split(',').map((name) => name.trim());
  const unknown = operations.filter((name) => !(OPERATIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown operation(s): ${unknown.join(', ')}`);
  return {
    durationSeconds: positiveInteger('duration', values.duration),
    connections: values.connections.split(',').map((c) => positiveInteger('connections', c.trim())),
    operations: operations as Operation[],
    coldRuns: positiveInteger('cold-runs', values['cold-runs']),
    skipLoad: values['skip-load'],
    skipColdStart: values['skip-cold-start'],
    out: values.out,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function printLoad(system: string, r: LoadResult): void {
  const cpu = r.cpuMsPerRequest ? `  cpu/request ${Object.entries(r.cpuMsPerRequest).map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(', ')}` : '';
  log(`  ${system.padEnd(4)} ${r.operation.padEnd(18)} c=${String(r.connections).padEnd(3)} ${r.requestsPerSecond.toFixed(1).padStart(8)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(5)} ms  errors ${r.errors}${cpu}`);
}

async function measureLoad(options: Options): Promise<{ real: LoadResult[]; bare: LoadResult[] }> {
  const bareDir = mkdtempSync(join(tmpdir(), 'patient-bench-bare-'));
  let bare: BareChain | undefined;
  let stack: BenchStack | undefined;
  try {
    log('starting the bare chain and the local stack (policy without rate limit)');
    bare = await startBareChain(bareDir);
    stack = await startBenchStack();
    const systems: { name: 'real' | 'bare'; target: Target; fixtures?: Fixtures; results: LoadResult[] }[] = [
      { name: 'bare', target: { url: bare.url, headers: {} }, results: [] },
      { name: 'real', target: { url: stack.info.gatewayUrl, headers: { 'ocp-apim-subscription-key': stack.info.subscriptionKey } }, results: [] },
    ];
    for (const system of systems) system.fixtures = await createFixtures(system.target);
    for (const operation of options.operations) {
      for (const system of systems) await runLoad(system.target, operation, system.fixtures!, 16, WARMUP_SECONDS);
      for (const connections of options.connections) {
        for (const system of systems) {
          // The supervisor runs in this process with autocannon, so only its children are counted.
          const cpu = system.name === 'real' ? cpuPerRequest(await stack.processes()) : undefined;
          const load = await runLoad(system.target, operation, system.fixtures!, connections, options.durationSeconds);
          const result = cpu ? { ...load, cpuMsPerRequest: cpu(load.total) } : load;
          printLoad(system.name, result);
          system.results.push(result);
        }
      }
    }
    return { bare: systems[0].results, real: systems[1].results };
  } finally {
    await stack?.stop();
    await bare?.stop();
    rmSync(bareDir, { recursive: true, force: true });
  }
}

async function measureCold(options: Options): Promise<{ coldStarts: ColdStartResult[]; packages: PackageSize[] }> {
  const { subjects, packages } = await prepareColdStartSubjects(log);
  for (const p of packages) log(`  ${p.app}.zip ${p.zipBytes} bytes (entry ${p.bundleBytes} bytes, telemetry part ${p.telemetryBytes} bytes)`);
  log(`cold start: ${subjects.length} subjects × ${options.coldRuns} fresh processes`);
  const coldStarts = await measureColdStarts(subjects, options.coldRuns);
  for (const c of coldStarts) log(`  ${c.name.padEnd(42)} require ${c.requireMs.toFixed(0).padStart(5)} ms  process ${c.processMs.toFixed(0).padStart(5)} ms`);
  return { coldStarts, packages };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const before = loadAverage();
  log(`load average ${before}; ${machineInfo().cores} cores`);
  // Cold starts first, while no server of ours competes for the CPU.
  const cold = options.skipColdStart ? { coldStarts: [], packages: [] } : await measureCold(options);
  const load = options.skipLoad ? { real: [], bare: [] } : await measureLoad(options);
  const chartFile = options.out.replace(/\.md$/, '') + '.svg';
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: { before, after: loadAverage() },
    durationSeconds: options.durationSeconds,
    ...load,
    ...cold,
    chartFile: chartFile.split('/').pop()!,
  };
  if (load.real.length > 0) writeFileSync(chartFile, await renderChart({ title: `Local stack vs bare node:http chain, ${report.machine.cores} cores, Node ${report.machine.node}, ${report.date.slice(0, 10)}`, real: load.real, bare: load.bare }));
  writeFileSync(options.out, renderReport(report));
  for (const check of checkTargets(report)) log(`${check.met ? 'met    ' : 'NOT MET'} ${check.target}: ${check.measured}`);
  log(`results: ${options.out}${load.real.length > 0 ? `, chart: ${chartFile}` : ''}`);
}

runCommand('bench', main);
