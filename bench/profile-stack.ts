import { readLocalStackStatus } from '../twin/index';
import { startBenchStack } from './real-stack';

/**
 * Runs the local stack (policy without rate limit) inside a process started by bench/profile.ts
 * with a CPU profiler preloaded through NODE_OPTIONS, which every child of the supervisor inherits. Reports the gateway,
 * a subscription key and each process's pid over IPC, then stops cleanly on `stop` so every
 * process writes its profile.
 */
async function main(): Promise<void> {
  const stack = await startBenchStack();
  const status = await readLocalStackStatus(stack.dataDir);
  process.send?.({ type: 'ready', info: stack.info, processes: status.processes, supervisorPid: process.pid });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`profile stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
