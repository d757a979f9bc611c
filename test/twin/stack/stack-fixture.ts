import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalStack, type LocalStackExtraOptions, type RunningLocalStack } from '../../../twin/stack';
import { call, type Reply } from '../support';

export interface StackFixture {
  stack: RunningLocalStack;
  dataDir: string;
  lines: string[];
  control(method: string, path: string, body?: unknown): Promise<Reply>;
  gateway(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startStackFixture(options: Partial<LocalStackExtraOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), 'local-stack-'))): Promise<StackFixture> {
  const lines: string[] = [];
  const stack = await runLocalStack({ dataDir, port: 0, quiet: true, ...options }, { log: (line) => lines.push(line) });
  const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
  return {
    stack,
    dataDir,
    lines,
    control: (method, path, body) =>
      call(`${stack.info.controlUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    gateway: (method, path, opts = {}) =>
      call(`${stack.info.gatewayUrl}${path}`, {
        method,
        headers: {
          ...(opts.key === undefined ? { 'ocp-apim-subscription-key': stack.info.subscriptionKey } : opts.key ? { 'ocp-apim-subscription-key': opts.key } : {}),
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(opts.headers ?? {}),
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      }),
    close: async () => {
      await stack.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function logLines(dataDir: string, process: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'logs', `${process}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
