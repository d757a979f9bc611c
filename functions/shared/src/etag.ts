/** Strong ETags carry the stored version token of a resource: `"<token>"`. */
export function formatEtag(version: string): string {
  return `"${version}"`;
}

/**
 * What an If-Match header asks for: absent (unconditional), any current version (`*`), or
 * one of a list of versions. Weak ETags never match (RFC 9110 strong comparison).
 */
export type IfMatch = { kind: 'none' } | { kind: 'any' } | { kind: 'versions'; versions: string[] };

export function parseIfMatch(header: string | null): IfMatch {
  if (header === null || header.trim() === '') return { kind: 'none' };
  if (header.trim() === '*') return { kind: 'any' };
  const versions: string[] = [];
  for (const part of header.split(',')) {
    const tag = part.trim();
    const match = /^"([\x21\x23-\x7e]*)"$/.exec(tag);
    if (match !== null) versions.push(match[1]);
  }
  return { kind: 'versions', versions };
}

export function ifMatchAllows(condition: IfMatch, currentVersion: string): boolean {
  if (condition.kind !== 'versions') return true;
  return condition.versions.includes(currentVersion);
}
