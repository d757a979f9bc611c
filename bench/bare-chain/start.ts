import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface BareChain {
  url: string;
  stop(): Promise<void>;
}

function startHop(role: string, dataDir: string, next?: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'server.ts'), [role, dataDir, ...(next ? [next] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, url: `http://127.0.0.1:${message.port}` }));
    child.once('exit', (code) => reject(new Error(`bare ${role} exited during start-up (code ${code})`)));
  });
}

/** Starts audit, patient and gateway hops (one process each, as in the real stack), files under dataDir. */
export async function startBareChain(dataDir: string): Promise<BareChain> {
  const audit = await startHop('audit', dataDir);
  const patient = await startHop('patient', dataDir, audit.url);
  const gateway = await startHop('gateway', dataDir, patient.url);
  return {
    url: gateway.url,
    async stop() {
      for (const { child } of [gateway, patient, audit]) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // Each hop exits when its IPC channel closes.
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
