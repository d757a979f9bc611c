import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import { createArmClient } from '../azure/arm-client';
import { createAzureRotationPort } from '../azure/azure-rotation-port';
import { defaultAzureCredential } from '../azure/credential';
import { uploadPackage } from '../deploy/upload-package';
import { bundledPackages } from '../../stacks/packaging/deploy-package';
import type { CliDeps } from './deps';
import { writeUntilClosed } from './closed-output';
import { runCli } from './program';

export interface ProcessOptions {
  /** The repository root (Pulumi.yaml, functions/). */
  repoRoot: string;
  /** patientctl's version (package.json). */
  version: string;
  /** The local stack's code, loaded when a command needs it (only the entry may name the twin). */
  localStack: CliDeps['localStack'];
}

/** Runs patientctl with this process's arguments, streams, terminal and signals, and the real Azure and Pulumi adapters. */
export function runProcess({ repoRoot, version, localStack }: ProcessOptions): void {
  const deps: CliDeps = {
    io: { stdout: writeUntilClosed(process.stdout), stderr: writeUntilClosed(process.stderr) },
    version,
    repoRoot,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // Ctrl-C at the question is a "no" (readline takes the terminal's Ctrl-C itself).
      const interrupted = new Promise<string>((resolve) => rl.once('SIGINT', () => resolve('')));
      try {
        return await Promise.race([rl.question(question), interrupted]);
      } finally {
        rl.close();
      }
    },
    pulumi: {
      workDir: repoRoot,
      // The Automation API loads only for the commands that use Pulumi.
      pulumiCommand: async () => (await import('@pulumi/pulumi/automation/index.js')).PulumiCommand.get(),
    },
    armClient: createArmClient,
    rotationPort: createAzureRotationPort,
    // The program's own bundler into the stack's packagesDir: deterministic, so the same names the update declared.
    packages: (app, packagesDir) => bundledPackages({ functionsDir: join(repoRoot, 'functions'), outDir: packagesDir })(app),
    uploadPackage: (upload) => uploadPackage(upload, { credential: defaultAzureCredential() }),
    localStack,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    waitForShutdownSignal: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      }),
    onShutdownSignal(listener) {
      const onInt = () => listener('SIGINT');
      const onTerm = () => listener('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };

  void runCli(process.argv.slice(2), deps).then((code) => {
    process.exitCode = code;
  });
}
