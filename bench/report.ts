import type { ColdStartResult, PackageSize } from './cold-start';
import type { LoadResult } from './load-run';
import type { MachineInfo } from './machine';
import { MAX_PACKAGE_BYTES } from '../stacks/packaging/bundle-app';

export interface BenchReport {
  date: string;
  machine: MachineInfo;
  loadAverage: { before: number; after: number };
  durationSeconds: number;
  real: LoadResult[];
  bare: LoadResult[];
  coldStarts: ColdStartResult[];
  packages: PackageSize[];
  chartFile: string;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}


const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function matching(results: LoadResult[], like: LoadResult): LoadResult | undefined {
  return results.find((r) => r.operation === like.operation && r.connections === like.connections);
}

function coldStart(report: BenchReport, name: string): ColdStartResult | undefined {
  return report.coldStarts.find((c) => c.name === name);
}

/** The task's performance targets, each with what was measured. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const create64 = report.real.find((r) => r.operation === 'create patient' && r.connections === 64);
  const bare64 = create64 && matching(report.bare, create64);
  if (create64 && bare64) {
    const ratio = create64.requestsPerSecond / bare64.requestsPerSecond;
    checks.push({
      target: 'create patient, 64 connections: ≥ 0.5 × bare chain requests/s, 0 errors',
      measured: `${fixed(create64.requestsPerSecond)} vs ${fixed(bare64.requestsPerSecond)} req/s = ${fixed(ratio, 2)} ×, ${create64.errors} errors`,
      met: ratio >= 0.5 && create64.errors === 0,
    });
  }
  const create16 = report.real.find((r) => r.operation === 'create patient' && r.connections === 16);
  if (create16) {
    checks.push({ target: 'create patient, 16 connections: p99 ≤ 50 ms', measured: `p99 ${fixed(create16.p99Ms, 0)} ms`, met: create16.p99Ms <= 50 });
  }
  for (const pkg of report.packages) {
    for (const variant of ['', ' + telemetry loaded']) {
      const bundle = coldStart(report, `${pkg.app} bundle${variant}`);
      const unbundled = coldStart(report, `${pkg.app} unbundled${variant}`);
      if (!bundle || !unbundled) continue;
      const ratio = bundle.requireMs / unbundled.requireMs;
      checks.push({
        target: `${pkg.app} cold start${variant || ' (telemetry not configured)'}: bundle ≤ 0.3 × unbundled`,
        measured: `${fixed(bundle.requireMs, 0)} ms vs ${fixed(unbundled.requireMs, 0)} ms = ${fixed(ratio, 2)} ×`,
        met: ratio <= 0.3,
      });
    }
    const largest = Math.max(pkg.zipBytes, pkg.bundleBytes, pkg.telemetryBytes);
    checks.push({
      target: `${pkg.app}: zip and each bundled file ≤ 3 MiB`,
      measured: `zip ${pkg.zipBytes.toLocaleString('en-US')}, entry ${pkg.bundleBytes.toLocaleString('en-US')}, telemetry part ${pkg.telemetryBytes.toLocaleString('en-US')} bytes`,
      met: largest <= MAX_PACKAGE_BYTES,
    });
  }
  return checks;
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${report.date}. Re-run it to regenerate this file and the chart.`,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. ` +
      `1-minute load average ${report.loadAverage.before} before, ${report.loadAverage.after} after the run ` +
      '(other work on the machine shows up as noise in these numbers).',
    '',
    `Each cell: ${report.durationSeconds} s of autocannon after a 2 s warm-up at 16 connections; bare and real runs alternate per ` +
      'operation and connection count so both see the same machine. Errors are non-2xx answers plus socket errors.',
    '',
    '- **real**: the local stack (`runLocalStack`, fresh temporary data directory): gateway with subscription key → Patient API host → Audit API host → MongoDB twin (journal fsync with group commit); ' +
      'the stack is materialized from the Pulumi program and the apps run from the deploy packages the program builds (`dist/packages/*.zip`), each process writes its JSON request log. ' +
      '**The policy is a copy of `contracts/apim-policy.xml` without `rate-limit-by-key`**, so 429s do not distort the numbers.',
    '- **bare**: three plain `node:http` processes on loopback (gateway → patient → audit), keep-alive, no validation, no keys; audit and patient writes are appended to a file and fdatasync\'d with group commit; reads come from memory.',
    '',
    '## Throughput and latency',
    '',
    `![requests/s and p99 per operation, real vs bare](${report.chartFile})`,
    '',
    '| operation | connections | real req/s | real p50 ms | real p99 ms | real errors | bare req/s | bare p50 ms | bare p99 ms | bare errors | real/bare req/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const real of report.real) {
    const bare = matching(report.bare, real);
    lines.push(
      `| ${real.operation} | ${real.connections} | ${fixed(real.requestsPerSecond)} | ${fixed(real.p50Ms, 0)} | ${fixed(real.p99Ms, 0)} | ${real.errors} | ` +
        `${bare ? fixed(bare.requestsPerSecond) : ''} | ${bare ? fixed(bare.p50Ms, 0) : ''} | ${bare ? fixed(bare.p99Ms, 0) : ''} | ${bare?.errors ?? ''} | ` +
        `${bare ? fixed(real.requestsPerSecond / bare.requestsPerSecond, 2) : ''} |`,
    );
  }
  const processes = [...new Set(report.real.flatMap((r) => Object.keys(r.cpuMsPerRequest ?? {})))];
  if (processes.length > 0) {
    lines.push(
      '',
      '## CPU per request, per process (real)',
      '',
      'CPU time (user + system, /proc) each process of the local stack spent during the cell, divided by the requests answered; the supervisor (ARM and Key Vault twins) shares its process with autocannon and is left out.',
      '',
      `| operation | connections | ${processes.map((p) => `${p} ms`).join(' | ')} |`,
      `|---|---:|${processes.map(() => '---:').join('|')}|`,
    );
    for (const real of report.real) lines.push(`| ${real.operation} | ${real.connections} | ${processes.map((p) => (real.cpuMsPerRequest?.[p] === undefined ? '' : fixed(real.cpuMsPerRequest[p], 2))).join(' | ')} |`);
  }
  lines.push(
    '',
    '## Cold start',
    '',
    'A fresh `node` process per sample requires the module(s) and exits: for an app, importing its entry creates the app and registers every function with `@azure/functions` ' +
      '(outside the Functions host, which registers nothing but runs the same code). "require" is the time inside the process, "process" the wall time from spawn to exit. ' +
      'Medians. The unbundled build is the apps compiled by tsc (`bench/tsconfig.functions.json`, CommonJS JS, dependencies from node_modules), not tsx. ' +
      'Without a connection string the apps never require `applicationinsights` (nor the bundle its telemetry part, `dist/telemetry.js`); "+ telemetry loaded" requires it first, never starting it, ' +
      'as an app configured for Application Insights does.',
    '',
    '| subject | runs | require ms | process ms |',
    '|---|---:|---:|---:|',
  );
  for (const c of report.coldStarts) lines.push(`| ${c.name} | ${c.runs} | ${c.name === 'node -e 0' ? '—' : fixed(c.requireMs, 0)} | ${fixed(c.processMs, 0)} |`);
  lines.push('', '## Deploy packages (stacks/packaging)', '', '| app | zip bytes | entry bundle bytes | telemetry part bytes |', '|---|---:|---:|---:|');
  for (const p of report.packages) lines.push(`| ${p.app} | ${p.zipBytes.toLocaleString('en-US')} | ${p.bundleBytes.toLocaleString('en-US')} | ${p.telemetryBytes.toLocaleString('en-US')} |`);
  lines.push('', '## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const t of checkTargets(report)) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  return lines.join('\n');
}
