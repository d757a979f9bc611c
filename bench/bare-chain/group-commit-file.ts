import { open, type FileHandle } from 'node:fs/promises';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An append-only file whose `append` resolves once the line is on disk. Lines queued while a
 * flush runs share the next write and fdatasync (group commit), as a database journal does.
 */
export class GroupCommitFile {
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private flushing = false;

  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<GroupCommitFile> {
    return new GroupCommitFile(await open(path, 'a', 0o600));
  }

  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push(Buffer.from(`${line}\n`));
      this.waiters.push({ resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const data = Buffer.concat(this.pending);
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.handle.write(data);
        await this.handle.datasync();
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error as Error);
      }
    }
    this.flushing = false;
  }
}
