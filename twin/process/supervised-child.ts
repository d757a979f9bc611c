import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FromChild, ToChild } from './child-protocol';

export type ChildState = 'starting' | 'up' | 'down' | 'stopped';

export interface ChildStatus {
  name: string;
  pid?: number;
  state: ChildState;
  restarts: number;
  info: Record<string, unknown>;
}

export interface SupervisedChildOptions {
  name: string;
  entry: { file: string; execArgv: string[] };
  /** Computed at every (re)start, so a restarted child gets the current keys and settings. */
  config: () => unknown;
  env: NodeJS.ProcessEnv;
  /** Forward the child's stdout/stderr to ours. */
  inheritOutput: boolean;
  /** With `inheritOutput`: each line the child writes to stdout goes here instead of straight to ours. */
  stdoutLine?: (line: string) => void;
  report: (line: string) => void;
  /** Called after each successful (re)start. */
  onReady?: (info: Record<string, unknown>) => void;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
const STABLE_AFTER_MS = 30_000;
const STOP_GRACE_MS = 8_000;

/** One child process: started, called over IPC, restarted with backoff when it crashes. */
export class SupervisedChild {
  private process: ChildProcess | undefined;
  private state: ChildState = 'down';
  private restarts = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  private info: Record<string, unknown> = {};
  private stopping = false;
  private nextCallId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private ready: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private stderrTail = '';
  /** Resolves once the running process's stdout, when read line by line, has ended. */
  private stdoutEnded: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisedChildOptions) {}

  get name(): string {
    return this.options.name;
  }

  status(): ChildStatus {
    return { name: this.options.name, ...(this.process?.pid && this.state !== 'stopped' && this.state !== 'down' ? { pid: this.process.pid } : {}), state: this.state, restarts: this.restarts, info: this.info };
  }

  /** Starts the child and resolves with what it reports once ready; rejects with its start-up error. */
  start(): Promise<Record<string, unknown>> {
    this.state = 'starting';
    this.stderrTail = '';
    const { inheritOutput, stdoutLine } = this.options;
    const child = fork(this.options.entry.file, [], {
      execArgv: this.options.entry.execArgv,
      env: this.options.env,
      stdio: ['ignore', inheritOutput ? (stdoutLine ? 'pipe' : 'inherit') : 'ignore', 'pipe', 'ipc'],
    });
    this.process = child;
    if (inheritOutput && stdoutLine && child.stdout) {
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', stdoutLine);
      this.stdoutEnded = new Promise((resolve) => lines.once('close', resolve));
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.options.inheritOutput) process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    const started = new Promise<Record<string, unknown>>((resolve, reject) => {
      let readyReceived = false;
      child.on('message', (message: FromChild) => {
        if (message.type === 'ready') {
          readyReceived = true;
          this.state = 'up';
          this.info = message.info;
          const startedAt = Date.now();
          child.once('exit', () => {
            if (Date.now() - startedAt > STABLE_AFTER_MS) this.backoffMs = FIRST_BACKOFF_MS;
          });
          this.options.onReady?.(message.info);
          resolve(message.info);
        } else if (message.type === 'failed') {
          reject(new Error(`${this.options.name}: ${message.message}`));
        } else if (message.type === 'reply') {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.ok) waiter?.resolve(message.result);
          else waiter?.reject(new Error(`${this.options.name}: ${message.message}`));
        }
      });
      child.on('exit', (code, signal) => {
        for (const waiter of this.pending.values()) waiter.reject(new Error(`${this.options.name} exited`));
        this.pending.clear();
        if (!readyReceived) {
          reject(new Error(`${this.options.name} exited during start-up (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
          return;
        }
        this.onExit(code, signal);
      });
    });
    this.ready = started.then(
      () => undefined,
      () => undefined,
    );
    // A child that cannot take its configuration has exited: the exit handler rejects `started`.
    child.send({ type: 'start', config: this.options.config() } satisfies ToChild, () => undefined);
    return started;
  }

  /**
   * Sends a state change to the child. A child that is down gets it at its next start (its
   * configuration is recomputed then), so the change is never lost.
   */
  async call(method: string, params: unknown): Promise<unknown> {
    if (this.state === 'starting') await this.ready;
    const child = this.process;
    if (this.state !== 'up' || !child?.connected) return undefined;
    const id = (this.nextCallId += 1);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ type: 'call', id, method, params } satisfies ToChild, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(new Error(`${this.options.name} is not running (${error.message})`));
      });
    });
  }

  /** From now on an exit is expected: no crash report, no restart. */
  markStopping(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
  }

  async stop(): Promise<void> {
    this.markStopping();
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      await this.stdoutEnded;
      this.state = 'stopped';
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The child may have ended before this process read its exit (a signal to the whole process
    // group reached it first, or it crashed): its channel then refuses the message, and a signal
    // to a process that has ended does nothing.
    if (child.connected) child.send({ type: 'stop' } satisfies ToChild, (error) => error && child.kill('SIGTERM'));
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // Its last lines (a database's "closed") come before the stack says it has stopped.
    await this.stdoutEnded;
    this.state = 'stopped';
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) {
      this.state = 'stopped';
      return;
    }
    this.state = 'down';
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.options.report(`${this.options.name} exited unexpectedly (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restarts += 1;
      this.start().then(
        () => this.options.report(`${this.options.name} restarted (pid ${this.process?.pid})`),
        (error: Error) => {
          this.options.report(`${this.options.name} failed to restart: ${error.message}`);
          this.onExit(null, null);
        },
      );
    }, delay);
  }
}
