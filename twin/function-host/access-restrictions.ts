import { parseCidr } from '../network/cidr';

/** App Service access restrictions of one site (main or SCM), in the order they are evaluated. */
export interface AccessRules {
  rules: { name: string; action: 'Allow' | 'Deny'; ranges: string[] }[];
  /** What happens to a source no rule matches. */
  defaultAction: 'Allow' | 'Deny';
}

/**
 * App Service access restrictions: the first rule (by priority) whose ranges hold the source
 * decides; a source no rule matches gets the default action.
 */
export function createAccessRestrictions(access: AccessRules): (sourceAddress: string) => boolean {
  const rules = access.rules.map((rule) => ({ allow: rule.action === 'Allow', ranges: rule.ranges.map(parseCidr) }));
  return (sourceAddress) => {
    const decided = rules.find((rule) => rule.ranges.some((range) => range.contains(sourceAddress)));
    return decided ? decided.allow : access.defaultAction === 'Allow';
  };
}

/** The page App Service shows a denied source. */
export const FORBIDDEN_PAGE =
  '<!DOCTYPE html><html><head><title>Web App - Unavailable</title></head><body>' +
  '<h1>Error 403 - Forbidden</h1><p>The web app you have attempted to reach has blocked your access.</p></body></html>';
