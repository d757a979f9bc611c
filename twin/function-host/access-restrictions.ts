import { parseCidr } from '../network/cidr';

/**
 * App Service access restrictions with default action Deny: a request is admitted only when
 * its source address lies in one of the allowed ranges.
 */
export function createAccessRestrictions(allowedRanges: readonly string[]): (sourceAddress: string) => boolean {
  const ranges = allowedRanges.map(parseCidr);
  return (sourceAddress) => ranges.some((range) => range.contains(sourceAddress));
}

/** The page App Service shows a denied source. */
export const FORBIDDEN_PAGE =
  '<!DOCTYPE html><html><head><title>Web App - Unavailable</title></head><body>' +
  '<h1>Error 403 - Forbidden</h1><p>The web app you have attempted to reach has blocked your access.</p></body></html>';
