import { PulumiCommand } from '@pulumi/pulumi/automation';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps, LocalStackApi } from '../../../tool/cli/deps';
import { runCli } from '../../../tool/cli/program';
import type { AzureRotationPortOptions } from '../../../tool/azure/azure-rotation-port';
import { createArmClient } from '../../../tool/azure/arm-client';
import { startArmTwin, type RunningArmTwin } from '../../../twin/arm/arm-twin';
import type { LocalStackOptions } from '../../../twin/index';
import { ARM, IDS, InMemoryStack } from '../../twin/arm/in-memory-stack';
import { InMemoryPlatform } from '../rotation/in-memory-port';

export const FAKE_PULUMI_ROOT = join(__dirname, '..', 'pulumi', 'fixtures');

export interface FakePulumiState {
  stacks: string[];
  locked?: boolean;
  /** Resource operations per operation, and how long each takes in an update or destroy, and in a preview. */
  steps?: number;
  stepMs?: number;
  previewStepMs?: number;
  outputs?: Record<string, unknown>;
  secretOutputs?: string[];
}

/**
 * A CLI run against the fake `pulumi` executable, an ARM twin of the stack in memory (for what
 * `deploy` checks) and an in-memory rotation platform; everything observable is kept.
 */
export class CliHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'patientctl-cli-'));
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  rotationTarget: AzureRotationPortOptions | undefined;
  answer = '';
  readonly questions: string[] = [];
  stdinIsTTY = false;
  stdoutIsTTY = false;
  /** Blob URLs deploy uploaded to, in order; and the ones already there before. */
  readonly uploads: string[] = [];
  /** The directory each package was built into, in the order deploy asked for them. */
  readonly packagesDirs: string[] = [];
  readonly existingBlobs = new Set<string>();
  readonly local = { stopCalled: false, runOptions: undefined as LocalStackOptions | undefined, signal: undefined as (() => void) | undefined };
  /** Who listens for SIGINT/SIGTERM now (a Pulumi operation under way), to send them a signal. */
  readonly shutdownListeners = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
  private readonly previousDir = process.env.FAKE_PULUMI_DIR;

  private constructor(
    state: FakePulumiState,
    readonly platform: InMemoryPlatform,
    readonly arm: RunningArmTwin,
  ) {
    chmodSync(join(FAKE_PULUMI_ROOT, 'bin', 'pulumi'), 0o755);
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(state));
    writeFileSync(join(this.dir, 'Pulumi.yaml'), 'name: patient-records\nruntime: nodejs\n');
    process.env.FAKE_PULUMI_DIR = this.dir;
  }

  /** `platform`: 'working' rotates from slot a; 'fresh' is a stack as the first deploy leaves it. `stack`: what the ARM twin serves. */
  static async create(state: FakePulumiState, options: { platform?: 'working' | 'fresh'; stack?: InMemoryStack } = {}): Promise<CliHarness> {
    const platform = options.platform === 'fresh' ? new InMemoryPlatform() : await InMemoryPlatform.seeded();
    const arm = await startArmTwin((options.stack ?? new InMemoryStack()).armConfig(ARM_TOKEN));
    return new CliHarness(state, platform, arm);
  }

  /** A local stack's stack.json and control token in `<dir>/.local`, as `local up` writes them. */
  writeLocalStackFiles(): void {
    mkdirSync(join(this.dir, '.local'), { recursive: true });
    writeFileSync(join(this.dir, '.local', 'stack.json'), JSON.stringify({ ...PROD_OUTPUTS, armUrl: this.arm.url }));
    writeFileSync(join(this.dir, '.local', 'control-token'), `${ARM_TOKEN}\n`);
    writeFileSync(join(this.dir, '.local', 'control-ca.pem'), this.arm.caCert);
  }

  deps(): CliDeps {
    const localStack: LocalStackApi = {
      runLocalStack: async (options, out) => {
        this.local.runOptions = options;
        out.log('started gateway');
        await options.bootstrapKeys?.();
        let resolveStopped!: () => void;
        const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
        return {
          info: {
            ...PROD_OUTPUTS,
            keyVaultUri: 'https://kv-patients.vault.azure.net/',
            subscriptionKey: 'local-sub-key',
            complianceSubscriptionKey: 'c',
            patientApiUrl: 'p',
            auditApiUrl: 'a',
            controlUrl: `${this.arm.url}/local`,
            armUrl: this.arm.url,
          },
          stopped,
          stop: () => {
            this.local.stopCalled = true;
            resolveStopped();
            return Promise.resolve();
          },
        };
      },
      stopLocalStack: () => Promise.resolve(false),
      readLocalStackStatus: () => Promise.resolve({ running: false, processes: [] }),
      readStoredSecret: () => {
        throw new Error('no local stack runs in the harness');
      },
      outsideProcessEnvironment: () => ({}),
    };
    return {
      io: { stdout: (text) => this.stdout.push(text), stderr: (text) => this.stderr.push(text) },
      version: '9.8.7',
      repoRoot: this.dir,
      stdinIsTTY: this.stdinIsTTY,
      stdoutIsTTY: this.stdoutIsTTY,
      ask: (question) => {
        this.questions.push(question);
        return Promise.resolve(this.answer);
      },
      pulumi: { workDir: this.dir, pulumiCommand: () => PulumiCommand.get({ root: FAKE_PULUMI_ROOT }) },
      packages: (app, packagesDir) => {
        this.packagesDirs.push(packagesDir);
        return Promise.resolve({ file: join(packagesDir, `${app}.zip`), blobName: PACKAGE_BLOBS[app] });
      },
      uploadPackage: ({ blobUrl }) => {
        const uploaded = !this.existingBlobs.has(blobUrl);
        if (uploaded) this.uploads.push(blobUrl);
        this.existingBlobs.add(blobUrl);
        return Promise.resolve({ blobUrl, bytes: 1_300_000, uploaded });
      },
      // Every ARM client reaches the twin, whatever endpoint it was meant for.
      armClient: () => createArmClient({ armUrl: this.arm.url, token: ARM_TOKEN, caCert: this.arm.caCert }),
      rotationPort: (options) => {
        this.rotationTarget = options;
        return this.platform;
      },
      localStack: () => Promise.resolve(localStack),
      sleep: () => Promise.resolve(),
      waitForShutdownSignal: () => new Promise((resolve) => (this.local.signal = () => resolve('SIGINT'))),
      onShutdownSignal: (listener) => {
        this.shutdownListeners.add(listener);
        return () => this.shutdownListeners.delete(listener);
      },
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

  /** Resolves once the fake pulumi has written `<dir>/<marker>` (e.g. `up-started`). */
  async waitFor(marker: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.dir, marker))) {
      if (Date.now() > deadline) throw new Error(`the fake pulumi never wrote ${marker}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The signals the fake pulumi received, in order. */
  signals(): string[] {
    const file = join(this.dir, 'signals.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { signal: string }).signal);
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

  async cleanup(): Promise<void> {
    if (this.previousDir === undefined) delete process.env.FAKE_PULUMI_DIR;
    else process.env.FAKE_PULUMI_DIR = this.previousDir;
    rmSync(this.dir, { recursive: true, force: true });
    await this.arm.close();
  }
}

const ARM_TOKEN = 'harness-arm-token';

/** The stack's outputs, naming the resources of the in-memory stack the harness's ARM twin serves. */
/** The content-addressed package names the fake program declared. */
export const PACKAGE_BLOBS = { 'patient-api': 'patient-api-0123456789abcdef.zip', 'audit-api': 'audit-api-fedcba9876543210.zip' } as const;

export const PROD_OUTPUTS = {
  gatewayUrl: 'https://apim-patients.azure-api.net',
  patientApiAppId: IDS['patient-api'],
  auditApiAppId: IDS['audit-api'],
  keyVaultName: ARM.vault,
  apimNamedValueId: IDS.namedValue,
  probeSubscriptionId: IDS.probeSubscription,
  patientApiPackageUrl: `https://stpatientapi.blob.core.windows.net/packages/${PACKAGE_BLOBS['patient-api']}`,
  auditApiPackageUrl: `https://stauditapi.blob.core.windows.net/packages/${PACKAGE_BLOBS['audit-api']}`,
  dbConnection: 'mongodb://secret-value',
};
