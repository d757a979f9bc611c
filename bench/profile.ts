import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalStackInfo, ProcessStatus } from '../twin/index';
import { summarizeProfile, type CpuProfile, type ProfileSummary, type Share } from './cpu-profile-summary';
import { runLoad } from './load-run';
import { positiveInteger, runCommand } from './command-line';
import { createFixtures, type Operation, OPERATIONS } from './workload';

/**
 * Profiles the local stack under load: every process of the stack is sampled by V8's profiler
 * (bench/cpu-profiler.cjs, preloaded through NODE_OPTIONS, which the supervisor passes to its
 * children; started by SIGUSR2 once the stack is up), this process drives one operation
 * with autocannon, then the stack stops cleanly so each process writes its profile. Prints and
 * writes a summary per process (bench/out/profile/summary.md); the raw profiles stay beside it
 * for Chrome DevTools or speedscope.
 */
const OUT = join(__dirname, 'out', 'profile');

interface Ready {
  type: 'ready';
  info: LocalStackInfo;
  processes: ProcessStatus[];
  supervisorPid: number;
}

function table(title: string, shares: Share[]): string[] {
  return [`${title}`, '', '| | ms | % of busy |', '|---|---:|---:|', ...shares.map((s) => `| \`${s.name.replace(/\|/g, '\\|')}\` | ${s.ms} | ${s.percent} |`), ''];
}

function render(operation: Operation, connections: number, seconds: number, summaries: { name: string; summary: ProfileSummary }[], requestsPerSecond: number): string {
  const lines = [`# CPU profile: ${operation}, ${connections} connections, ${seconds} s (${requestsPerSecond.toFixed(1)} req/s while profiled)`, ''];
  for (const { name, summary } of summaries) {
    lines.push(`## ${name}: busy ${summary.busyMs} ms, idle ${summary.idleMs} ms`, '');
    lines.push(...table('Self time charged to the nearest package or module of this repository on the stack', summary.byOwner));
    lines.push(...table('Self time by area', summary.byArea));
    lines.push(...table('Self time by function', summary.selfByFunction));
    lines.push(...table('Inclusive time by function', summary.inclusiveByFunction));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      operation: { type: 'string', default: 'create patient' },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '20' },
      'fill-seconds': { type: 'string', default: '0' },
    },
  });
  const operation = values.operation as Operation;
  if (!OPERATIONS.includes(operation)) throw new Error(`--operation must be one of: ${OPERATIONS.join(', ')}`);
  const connections = positiveInteger('connections', values.connections);
  const seconds = positiveInteger('duration', values.duration);
  const fillSeconds = values['fill-seconds'] === '0' ? 0 : positiveInteger('fill-seconds', values['fill-seconds']);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  // Node 20 does not take --cpu-prof in NODE_OPTIONS, and the supervisor sets its children's
  // execArgv itself; a preloaded profiler reaches every process through the inherited environment.
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'cpu-profiler.cjs')}`.trim(), BENCH_CPU_PROFILE_DIR: OUT };
  const child = fork(join(__dirname, 'profile-stack.ts'), [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message: Ready) => resolve(message));
    void exited.then((code) => reject(new Error(`the profiled stack exited during start-up (code ${code})`)));
  });
  let requestsPerSecond = 0;
  try {
    const target = { url: ready.info.gatewayUrl, headers: { 'ocp-apim-subscription-key': ready.info.subscriptionKey } };
    const fixtures = await createFixtures(target);
    if (fillSeconds > 0) {
      // As the benchmark does before later operations: a database holding many records.
      process.stderr.write(`filling the database: create patient at 64 connections for ${fillSeconds} s (not profiled)\n`);
      await runLoad(target, 'create patient', fixtures, 64, fillSeconds);
    }
    // Profile the load only, not start-up: every process of the stack starts sampling now.
    for (const pid of [ready.supervisorPid, ...ready.processes.map((p) => p.pid)]) if (pid) process.kill(pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.stderr.write(`profiling ${operation} at ${connections} connections for ${seconds} s\n`);
    const result = await runLoad(target, operation, fixtures, connections, seconds);
    requestsPerSecond = result.requestsPerSecond;
    process.stderr.write(`${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, errors ${result.errors}\n`);
  } finally {
    child.send({ type: 'stop' });
    await exited;
  }

  const names = new Map<number, string>([[ready.supervisorPid, 'supervisor'], ...ready.processes.filter((p) => p.pid).map((p) => [p.pid!, p.name] as [number, string])]);
  const summaries = readdirSync(OUT)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => {
      const pid = Number(file.split('.')[3]);
      return { name: names.get(pid) ?? `pid ${pid}`, summary: summarizeProfile(JSON.parse(readFileSync(join(OUT, file), 'utf8')) as CpuProfile) };
    })
    .filter((s) => s.name !== `pid ${Number.NaN}`)
    .sort((a, b) => b.summary.busyMs - a.summary.busyMs);
  const report = render(operation, connections, seconds, summaries, requestsPerSecond);
  writeFileSync(join(OUT, 'summary.md'), report);
  process.stdout.write(report);
}

runCommand('profile', main);
