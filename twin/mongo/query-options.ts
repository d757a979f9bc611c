import { CommandError, badValue } from './errors';

/** Options for every mingo call: no `$where`/`$function`, so a client cannot run code inside the twin. */
export const QUERY_OPTIONS = { scriptEnabled: false } as const;

/** Runs a mingo call, turning its errors (unknown operators, bad expressions) into MongoDB's BadValue. */
export function withQueryErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw badValue((error as Error).message);
  }
}
