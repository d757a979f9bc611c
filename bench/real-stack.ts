import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalStack, type LocalStackExtraOptions, type LocalStackInfo } from '../twin/index';

export const POLICY_FILE = join(__dirname, '..', 'contracts', 'apim-policy.xml');

export interface BenchStack {
  info: LocalStackInfo;
  dataDir: string;
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

/** Starts the local stack from a fresh temporary data directory (removed again by stop()). */
export async function startBenchStack(options: { withRateLimit?: boolean; apps?: LocalStackExtraOptions['apps']; log?: (line: string) => void } = {}): Promise<BenchStack> {
  const root = mkdtempSync(join(tmpdir(), 'patient-bench-'));
  const dataDir = join(root, 'data');
  const policyFile = join(root, 'apim-policy.xml');
  writeFileSync(policyFile, options.withRateLimit ? readFileSync(POLICY_FILE, 'utf8') : policyWithoutRateLimit(readFileSync(POLICY_FILE, 'utf8')));
  try {
    const stack = await runLocalStack({ dataDir, port: 0, policyFile, quiet: true, ...(options.apps ? { apps: options.apps } : {}) }, { log: options.log ?? (() => undefined) });
    return {
      info: stack.info,
      dataDir,
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
