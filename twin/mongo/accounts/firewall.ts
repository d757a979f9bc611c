import { randomUUID } from 'node:crypto';
import { CommandError, ErrorCode } from '../errors';

/** An IPv4 range: `a.b.c.d/n`, or one address. */
interface Ipv4Range {
  network: number;
  mask: number;
}

function ipv4ToNumber(address: string): number | undefined {
  const octets = address.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + Number(octet), 0);
}

function parseRange(source: string): Ipv4Range {
  const [address, bits, ...rest] = source.split('/');
  const base = ipv4ToNumber(address);
  const prefix = bits === undefined ? 32 : Number(bits);
  if (base === undefined || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || (bits !== undefined && !/^\d+$/.test(bits))) {
    throw new Error(`allowed source "${source}" is not an IPv4 address or CIDR range`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (base & mask) >>> 0, mask };
}

/** An account's IP firewall: the IPv4 addresses and ranges it lets in (its `ipRules`). */
export class Firewall {
  private readonly ranges: Ipv4Range[];

  constructor(allowedSources: readonly string[]) {
    this.ranges = allowedSources.map(parseRange);
  }

  allows(address: string): boolean {
    const value = ipv4ToNumber(address);
    return value !== undefined && this.ranges.some((range) => ((value & range.mask) >>> 0) === range.network);
  }
}

/**
 * What a blocked client gets: 13 with the text a Mongo client saw (2024 report, vscode-cosmosdb#2291);
 * the message says "from IP", not troubleshoot-forbidden.md's "from client IP".
 */
export function firewallError(address: string): CommandError {
  return new CommandError(
    ErrorCode.Unauthorized,
    `Error=13, Details='Request originated from IP ${address} through public internet. This is blocked by your Cosmos DB account firewall settings. ` +
      `More info: https://aka.ms/cosmosdb-tsg-forbidden\r\nActivityId: ${randomUUID()}'`,
  );
}
