import { runLocalStack, type LocalStackExtraOptions } from '../../../tool/local/stack';

/**
 * Runs a local stack as its own supervisor process, as `patientctl local up` does.
 * argv: <dataDir> [JSON of extra options]. Reports `{ ready: info }` or `{ failed }` over IPC.
 */
const dataDir = process.argv[2];
const extra = JSON.parse(process.argv[3] ?? '{}') as Partial<LocalStackExtraOptions>;
runLocalStack({ quiet: true, ...extra, dataDir, port: 0 }, { log: () => undefined }).then(
  (stack) => {
    process.send?.({ ready: stack.info });
    void stack.stopped.then(() => process.exit(0));
  },
  (error: Error) => {
    process.send?.({ failed: error.message });
    process.exit(1);
  },
);
