import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * An exclusive claim on a data directory: two twins appending to one journal
 * would corrupt it. The lock file holds the owner's pid; a lock whose process is
 * gone (after kill -9) is taken over.
 */
export interface DataLock {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function lockDataDirectory(dir: string): Promise<DataLock> {
  const path = join(dir, 'twin.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new Error(`data directory ${dir} is in use by another MongoDB twin (pid ${owner})`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
}
