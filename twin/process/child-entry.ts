import { extname, join } from 'node:path';

/**
 * The entry file of a child process and the Node options it needs: compiled `.js` next to
 * this file after `npm run build`, or the TypeScript source run through tsx.
 */
export function childEntry(service: 'gateway' | 'function-host' | 'db'): { file: string; execArgv: string[] } {
  const extension = extname(__filename);
  const file = join(__dirname, '..', service, `main${extension}`);
  return { file, execArgv: extension === '.ts' ? ['--import', 'tsx'] : [] };
}
