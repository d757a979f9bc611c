import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Names the address a Node.js process outside the stack connects from; outbound-preload reads it. */
export const OUTBOUND_ADDRESS_VARIABLE = 'LOCAL_OUTBOUND_ADDRESS';

/** A NODE_OPTIONS value, quoted as Node reads one, so a space in a path does not split it. */
const quoted = (value: string) => `"${value}"`;

/**
 * The environment that makes a Node.js process the stack does not start connect to loopback
 * addresses from `address`: NODE_OPTIONS preloads outbound-preload (compiled next to this file by
 * `npm run build`, or its source through tsx), which binds the process's connections there.
 */
export function outboundEnvironment(address: string): Record<string, string> {
  const extension = extname(__filename);
  const preload = join(__dirname, `outbound-preload${extension}`);
  if (!existsSync(preload)) throw new Error(`${preload} is missing; build it with npm run build`);
  const options =
    extension === '.ts'
      ? ['--import', quoted(pathToFileURL(require.resolve('tsx')).href), '--import', quoted(pathToFileURL(preload).href)]
      : ['--require', quoted(preload)];
  return { NODE_OPTIONS: options.join(' '), [OUTBOUND_ADDRESS_VARIABLE]: address };
}
