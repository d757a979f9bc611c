import { isIPv4 } from 'node:net';

/** An IPv4 range such as `127.0.1.0/24`, standing in for a virtual network subnet. */
export interface Cidr {
  readonly text: string;
  contains(address: string): boolean;
}

function toNumber(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** Node reports IPv4 peers of dual-stack sockets as `::ffff:a.b.c.d`. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function parseCidr(text: string): Cidr {
  const [base, bitsText] = text.split('/');
  const bits = Number(bitsText);
  if (!base || !isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`invalid IPv4 range "${text}" (expected a.b.c.d/n)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (toNumber(base) & mask) >>> 0;
  return {
    text,
    contains(address: string): boolean {
      const ip = normalizeAddress(address);
      if (!isIPv4(ip)) return false;
      return ((toNumber(ip) & mask) >>> 0) === network;
    },
  };
}
