import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapLocalStack } from '../tool/cli/local-keys';
import { readLocalStackStatus, runLocalStack, type LocalStackInfo } from '../twin/index';

const CONTRACTS = join(__dirname, '..', 'contracts');

export interface BenchStack {
  info: LocalStackInfo;
  dataDir: string;
  /** The stack's processes (gateway, Functions hosts, account twins) and their pids, as the supervisor reports them. */
  processes(): Promise<{ name: string; pid: number }[]>;
  stop(): Promise<void>;
}

/**
 * The deployed policy minus `rate-limit-by-key`: the benchmark drives one subscription far past
 * its per-minute allowance, and 429s would measure the limit rather than the stack.
 */
export function policyWithoutRateLimit(policyXml: string): string {
  const stripped = policyXml.replace(/<rate-limit-by-key\b[^>]*\/>\s*/g, '');
  if (stripped === policyXml) throw new Error('the policy has no self-closing <rate-limit-by-key/> to remove; update bench/real-stack.ts');
  return stripped;
}

/**
 * Starts the local stack (the program as declared, the apps from their deploy packages) from a
 * fresh temporary data directory, removed again by stop(); the first host keys are issued as
 * `patientctl local up` issues them. Unless `withRateLimit`, the stack's contracts are a copy
 * whose policy has no rate limit (config `contractsDir`).
 */
export async function startBenchStack(options: { withRateLimit?: boolean; log?: (line: string) => void } = {}): Promise<BenchStack> {
  const root = mkdtempSync(join(tmpdir(), 'patient-bench-'));
  const dataDir = join(root, 'data');
  const contractsDir = join(root, 'contracts');
  cpSync(CONTRACTS, contractsDir, { recursive: true });
  if (!options.withRateLimit) writeFileSync(join(contractsDir, 'apim-policy.xml'), policyWithoutRateLimit(readFileSync(join(CONTRACTS, 'apim-policy.xml'), 'utf8')));
  try {
    const stack = await runLocalStack(
      { dataDir, port: 0, quiet: true, config: { contractsDir }, bootstrapKeys: async () => void (await bootstrapLocalStack(dataDir)) },
      { log: options.log ?? (() => undefined) },
    );
    return {
      info: stack.info,
      dataDir,
      async processes() {
        const status = await readLocalStackStatus(dataDir);
        return status.processes.flatMap((p) => (p.pid === undefined ? [] : [{ name: p.name, pid: p.pid }]));
      },
      async stop() {
        await stack.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
