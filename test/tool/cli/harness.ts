import { PulumiCommand } from '@pulumi/pulumi/automation';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps, LocalStackApi } from '../../../tool/cli/deps';
import { runCli } from '../../../tool/cli/program';
import type { AzureStackOutputs } from '../../../tool/azure/stack-outputs';
import { InMemoryPlatform } from '../rotation/in-memory-port';

export const FAKE_PULUMI_ROOT = join(__dirname, '..', 'pulumi', 'fixtures');

export interface FakePulumiState {
  stacks: string[];
  locked?: boolean;
  outputs?: Record<string, unknown>;
  secretOutputs?: string[];
}

/** A CLI run against the fake `pulumi` executable and in-memory adapters; everything observable is kept. */
export class CliHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'patientctl-cli-'));
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly platform = InMemoryPlatform.seeded();
  azureOutputs: AzureStackOutputs | undefined;
  localPortDataDir: string | undefined;
  answer = '';
  stdinIsTTY = false;
  bundled = 0;
  readonly local = { stopCalled: false, runOptions: undefined as unknown, signal: undefined as (() => void) | undefined };
  private readonly previousDir = process.env.FAKE_PULUMI_DIR;

  constructor(state: FakePulumiState) {
    chmodSync(join(FAKE_PULUMI_ROOT, 'bin', 'pulumi'), 0o755);
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(state));
    writeFileSync(join(this.dir, 'Pulumi.yaml'), 'name: patient-records\nruntime: nodejs\n');
    process.env.FAKE_PULUMI_DIR = this.dir;
  }

  deps(): CliDeps {
    const localStack: LocalStackApi = {
      runLocalStack: (options, out) => {
        this.local.runOptions = options;
        out.log('started gateway');
        let resolveStopped!: () => void;
        const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
        return Promise.resolve({
          info: {
            gatewayUrl: 'http://127.0.0.1:8080',
            subscriptionKey: 'local-sub-key',
            complianceSubscriptionKey: 'c',
            patientApiUrl: 'p',
            auditApiUrl: 'a',
            controlUrl: 'http://127.0.0.1:9',
          },
          stopped,
          stop: () => {
            this.local.stopCalled = true;
            resolveStopped();
            return Promise.resolve();
          },
        });
      },
      stopLocalStack: () => Promise.resolve(false),
      readLocalStackStatus: () => Promise.resolve({ running: false, processes: [] }),
    };
    return {
      io: { stdout: (text) => this.stdout.push(text), stderr: (text) => this.stderr.push(text) },
      repoRoot: this.dir,
      stdinIsTTY: this.stdinIsTTY,
      ask: () => Promise.resolve(this.answer),
      pulumi: { workDir: this.dir, pulumiCommand: () => PulumiCommand.get({ root: FAKE_PULUMI_ROOT }) },
      bundleApps: (options) => {
        this.bundled++;
        return Promise.resolve(
          ['patient-api', 'audit-api'].map((app) => ({ app, zipPath: join(options.outDir, `${app}.zip`), zipBytes: 1_300_000, bundleBytes: 5_000_000 })),
        );
      },
      createAzurePort: (_stack, outputs) => {
        this.azureOutputs = outputs;
        return this.platform;
      },
      createLocalPort: (dataDir) => {
        this.localPortDataDir = dataDir;
        return Promise.resolve(this.platform);
      },
      localStack: () => Promise.resolve(localStack),
      sleep: () => Promise.resolve(),
      waitForShutdownSignal: () => new Promise((resolve) => (this.local.signal = () => resolve('SIGINT'))),
    };
  }

  run(...argv: string[]): Promise<number> {
    return runCli(argv, this.deps());
  }

  /** The pulumi invocations, without the --non-interactive flag the SDK adds to each. */
  calls(): { args: string[]; backend: string | null }[] {
    const file = join(this.dir, 'calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { args: string[]; backend: string | null })
      .map(({ args, backend }) => ({ args: args.filter((arg) => arg !== '--non-interactive'), backend }));
  }

  commands(): string[] {
    return this.calls().map(({ args }) => {
      const flagAt = args.findIndex((arg) => arg.startsWith('-'));
      return args.slice(0, Math.min(2, flagAt === -1 ? args.length : flagAt)).join(' ');
    });
  }

  out(): string {
    return this.stdout.join('');
  }

  err(): string {
    return this.stderr.join('');
  }

  json<T = Record<string, unknown>>(): T {
    return JSON.parse(this.out()) as T;
  }

  cleanup(): void {
    if (this.previousDir === undefined) delete process.env.FAKE_PULUMI_DIR;
    else process.env.FAKE_PULUMI_DIR = this.previousDir;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const PROD_OUTPUTS = {
  gatewayUrl: 'https://apim-patients.azure-api.net',
  patientApiAppId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/patient',
  auditApiAppId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/audit',
  keyVaultUri: 'https://kv-patients.vault.azure.net/',
  apimNamedValueId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/namedValues/patient-api-host-key',
  probeSubscriptionId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim/subscriptions/rotation-probe',
  dbConnection: 'mongodb://secret-value',
};
