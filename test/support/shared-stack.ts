import { contractsWithPolicy, removeDir, startLocalStack, tempDir, UNLIMITED_RATE, type LocalStackFixture } from './local-stack';

let shared: Promise<LocalStackFixture> | undefined;

/**
 * One local stack as `npm start` runs it (the first keys bootstrapped), its policy's rate limit
 * raised so the specs sharing it do not spend one subscription's allowance between them. For the
 * specs that only add records of their own and leave keys, processes and configuration as they
 * found them: started on first use, stopped once the whole run ends. A spec that rotates keys,
 * kills processes, needs the declared rate limit or changes the program starts its own.
 */
export function sharedLocalStack(): Promise<LocalStackFixture> {
  if (!shared) {
    const dataDir = tempDir('shared-stack');
    shared = startLocalStack({ config: { contractsDir: contractsWithPolicy(dataDir, [UNLIMITED_RATE]) } }, dataDir);
  }
  return shared;
}

// A root hook: this module is loaded while mocha loads the spec files, outside any describe.
after(async () => {
  if (!shared) return;
  const f = await shared.catch(() => undefined);
  await f?.stop();
  if (f) removeDir(f.dataDir);
});
