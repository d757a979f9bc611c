import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exitWithUsageOnHelp, positiveInteger, runCommand } from '../bench/command-line';
import { bootstrapLocalStack } from '../tool/cli/local-keys';
import { readLocalStackStatus, runLocalStack, type RunningLocalStack } from '../twin/index';

/**
 * `npm run load`: runs load/locustfile.py headless against a local stack and exits with Locust's
 * code (1 when any request failed). Starts its own stack on a free port from a temporary data
 * directory, with the real policy (rate limit included), unless --use-running names a running one.
 */
const USAGE = `usage: npm run load -- [--mix contract|reference] [--use-running] [--data-dir <dir>] [--users 50] [--spawn-rate 10] [--run-time 60s] [--csv load/out/run]
  --mix           contract: every operation of the contract (load/locustfile.py, the default);
                  reference: the reference implementation's clients and mix (load/reference_mix.py)
  --use-running   use the local stack already running for --data-dir (default .local) instead of starting one`;

const MIXES = { contract: 'locustfile.py', reference: 'reference_mix.py' } as const;
type Mix = keyof typeof MIXES;

const ROOT = resolve(__dirname, '..');

interface Options {
  mix: Mix;
  useRunning: boolean;
  dataDir?: string;
  users: number;
  spawnRate: number;
  runTime: string;
  csv: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      mix: { type: 'string', default: 'contract' },
      'use-running': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      users: { type: 'string', default: '50' },
      'spawn-rate': { type: 'string', default: '10' },
      'run-time': { type: 'string', default: '60s' },
      csv: { type: 'string', default: join(ROOT, 'load', 'out', 'run') },
      help: { type: 'boolean', default: false },
    },
  });
  exitWithUsageOnHelp(values.help, USAGE);
  if (!/^\d+[smh]?$/.test(values['run-time'])) throw new Error(`--run-time must look like 60s, 5m or 1h, not "${values['run-time']}"`);
  if (!(values.mix in MIXES)) throw new Error(`--mix must be one of ${Object.keys(MIXES).join(', ')}, not "${values.mix}"`);
  return {
    mix: values.mix as Mix,
    useRunning: values['use-running'],
    dataDir: values['data-dir'],
    users: positiveInteger('users', values.users),
    spawnRate: positiveInteger('spawn-rate', values['spawn-rate']),
    runTime: values['run-time'],
    csv: values.csv,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The per-subscription allowance of the policy the gateway runs, for the operator's information. */
function describeRateLimit(policyFile: string): string {
  const match = /<rate-limit-by-key\b[^>]*\bcalls="(\d+)"[^>]*\brenewal-period="(\d+)"/.exec(readFileSync(policyFile, 'utf8'));
  return match ? `${match[1]} calls per ${match[2]} s per subscription` : 'no rate limit';
}

function runLocust(options: Options, dataDir: string, gatewayUrl: string): Promise<number> {
  mkdirSync(join(options.csv, '..'), { recursive: true });
  const args = [
    '-f', join(ROOT, 'load', MIXES[options.mix]),
    '--headless',
    '-u', String(options.users),
    '-r', String(options.spawnRate),
    '-t', options.runTime,
    '--csv', options.csv,
    '--host', gatewayUrl,
    '--data-dir', dataDir,
  ];
  log(`locust ${args.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    // No __pycache__ next to the locustfile in the work tree.
    const locust = spawn('locust', args, { stdio: 'inherit', env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' } });
    const forward = (signal: NodeJS.Signals) => locust.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    locust.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error('locust is not installed (Debian: apt-get install -y python3-locust)') : error),
    );
    locust.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.useRunning) {
    const dataDir = resolve(options.dataDir ?? join(ROOT, '.local'));
    const status = await readLocalStackStatus(dataDir);
    if (!status.running || !status.info) throw new Error(`no local stack is running for ${dataDir} (start one with npm start)`);
    log(`using the running local stack at ${status.info.gatewayUrl}`);
    return runLocust(options, dataDir, status.info.gatewayUrl);
  }

  const root = mkdtempSync(join(tmpdir(), 'patient-load-'));
  const dataDir = options.dataDir ? resolve(options.dataDir) : join(root, 'data');
  let stack: RunningLocalStack | undefined;
  try {
    log(`starting a local stack in ${dataDir}`);
    stack = await runLocalStack({ dataDir, port: 0, quiet: true, bootstrapKeys: async () => void (await bootstrapLocalStack(dataDir)) }, { log: () => undefined });
    log(`gateway ${stack.info.gatewayUrl}; policy: ${describeRateLimit(join(ROOT, 'contracts', 'apim-policy.xml'))}; ` +
      "the locustfile spreads its users over the stack's three subscriptions");
    return await runLocust(options, dataDir, stack.info.gatewayUrl);
  } finally {
    await stack?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

runCommand('load', main, 2);
