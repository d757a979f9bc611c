import { childEntry } from '../../process/child-entry';
import { SupervisedChild, type ChildStatus } from '../../process/supervised-child';
import { prettyLogLines } from '../../logging/pretty-lines';

export interface ProcessStatus {
  name: string;
  pid?: number;
  state: ChildStatus['state'];
  address?: string;
  restarts: number;
}

export type Service = Parameters<typeof childEntry>[0];

/** How the processes' log lines reach this process's stdout: as the JSON they are, or pretty-printed for a person. */
export type LogFormat = 'json' | 'pretty';

/** A process's stdout lines, pretty-printed onto ours. */
function prettyStdout(name: string): (line: string) => void {
  const pretty = prettyLogLines(name);
  return (line) => process.stdout.write(pretty(line));
}

/**
 * The local stack's processes: started in the order they were added, each restarted with backoff
 * when it crashes, stopped front to back (the reverse order), so in-flight requests drain before
 * what they depend on goes away.
 */
export class Supervisor {
  private readonly children: SupervisedChild[] = [];
  private readonly ready = new Map<string, Record<string, unknown>>();
  private readonly addresses = new Map<string, string>();

  constructor(private readonly options: { env: NodeJS.ProcessEnv; quiet: boolean; logFormat: LogFormat; report(line: string): void }) {}

  /** A process of `service`, listening at `address`; `config` is computed at every (re)start. */
  add(name: string, service: Service, address: string, config: () => unknown): SupervisedChild {
    const child = new SupervisedChild({
      name,
      entry: childEntry(service),
      config,
      env: this.options.env,
      inheritOutput: !this.options.quiet,
      ...(this.options.logFormat === 'pretty' ? { stdoutLine: prettyStdout(name) } : {}),
      report: (line) => this.options.report(line),
      onReady: (info) => this.ready.set(name, info),
    });
    this.children.push(child);
    this.addresses.set(name, address);
    return child;
  }

  /** What a process reported at its last start (the port it bound, which a restart binds again). */
  info(name: string): Record<string, unknown> {
    return this.ready.get(name) ?? {};
  }

  port(name: string): number | undefined {
    const port = this.info(name).port;
    return typeof port === 'number' ? port : undefined;
  }

  statuses(): ProcessStatus[] {
    return this.children.map((child) => {
      const status = child.status();
      const port = this.port(status.name);
      return {
        name: status.name,
        ...(status.pid ? { pid: status.pid } : {}),
        state: status.state,
        ...(port !== undefined ? { address: `${this.addresses.get(status.name)}:${port}` } : {}),
        restarts: status.restarts,
      };
    });
  }

  async stop(): Promise<void> {
    for (const child of this.children) child.markStopping();
    for (const child of [...this.children].reverse()) await child.stop();
  }
}

/** Runs `stop` on SIGINT or SIGTERM; answers how to stop listening. */
export function stopOnSignals(stop: (signal: string) => void): () => void {
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
