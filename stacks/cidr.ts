/** IPv4 CIDR arithmetic, enough to validate the address plan before Azure does. */
export interface Cidr {
  base: number;
  bits: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if ((address & mask) >>> 0 !== address) return undefined;
  return { base: address, bits };
}

function range(text: string): [number, number] {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`not an IPv4 CIDR range: ${text}`);
  return [cidr.base, cidr.base + 2 ** (32 - cidr.bits) - 1];
}

export function cidrContains(outer: string, inner: string): boolean {
  const [outerStart, outerEnd] = range(outer);
  const [innerStart, innerEnd] = range(inner);
  return innerStart >= outerStart && innerEnd <= outerEnd;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = range(a);
  const [bStart, bEnd] = range(b);
  return aStart <= bEnd && bStart <= aEnd;
}
