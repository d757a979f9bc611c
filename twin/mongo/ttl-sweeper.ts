import type { Storage } from './storage';

export interface TtlSweeper {
  /** Deletes every expired document now (journaled like any delete); resolves when durable. */
  sweep(): Promise<number>;
  /** Stops sweeping and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Cosmos DB deletes expired documents in the background, later than it hides them
 * (nosql/time-to-live.md): reads already skip them, this deletes them every `intervalMs`.
 */
export function startTtlSweeper(storage: Storage, intervalMs: number): TtlSweeper {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= (async () => {
      try {
        const batch = storage.beginWrite();
        let deleted = 0;
        for (const db of storage.databaseNames()) {
          for (const collection of storage.collections(db)) {
            for (const doc of collection.expired()) {
              batch.remove(collection, doc);
              deleted += 1;
            }
          }
        }
        await batch.commit();
        return deleted;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    // A failed journal already refuses every write; the next sweep tries again.
    sweep().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
