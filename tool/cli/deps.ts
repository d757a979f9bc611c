import type { BundledApp, BundleOptions } from '../deploy/bundle-apps';
import type { PulumiDeps } from '../pulumi/stack-operations';
import type { AzureStackOutputs } from '../azure/stack-outputs';
import type { RotationPort } from '../rotation/port';
import type { CliIO } from './output';

/** The local stack's API for the CLI, as INTERFACES.md declares it (tool/local/stack/index.ts). */
export interface LocalStackInfoView {
  gatewayUrl: string;
  subscriptionKey: string;
  complianceSubscriptionKey: string;
  patientApiUrl: string;
  auditApiUrl: string;
  controlUrl: string;
}

export interface RunningLocalStackView {
  info: LocalStackInfoView;
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackApi {
  runLocalStack(options: { dataDir: string; port: number; host?: string }, out: { log(line: string): void }): Promise<RunningLocalStackView>;
  stopLocalStack(dataDir: string): Promise<boolean>;
  readLocalStackStatus(dataDir: string): Promise<unknown>;
}

/** Everything the commands touch outside the process, passed in so tests inject fakes. */
export interface CliDeps {
  io: CliIO;
  /** The repository root: Pulumi.yaml, functions/, dist/. */
  repoRoot: string;
  stdinIsTTY: boolean;
  /** Asks a question on the terminal; resolves with the answer. */
  ask(question: string): Promise<string>;
  pulumi: PulumiDeps;
  bundleApps(options: BundleOptions): Promise<BundledApp[]>;
  createAzurePort(stackName: string, outputs: AzureStackOutputs): RotationPort;
  createLocalPort(dataDir: string): Promise<RotationPort>;
  localStack(): Promise<LocalStackApi>;
  sleep: (ms: number) => Promise<void>;
  /** Resolves with the signal's name on SIGINT or SIGTERM. */
  waitForShutdownSignal(): Promise<string>;
}
