/**
 * Route templates as Azure Functions and API Management write them: literal segments and
 * `{name}` parameters. When several templates match, the one with more literal segments earlier
 * wins, so `patient/search` is chosen before `patient/{patientId}`.
 */
export interface RouteTemplate {
  readonly text: string;
  match(path: string): Record<string, string> | undefined;
  /** Higher sorts first: literal segments outrank parameters, position by position. */
  readonly rank: number[];
}

type Segment = { literal: string } | { param: string };

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export function parseRouteTemplate(text: string): RouteTemplate {
  const segments: Segment[] = splitPath(text).map((raw) => {
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(raw);
    if (param) return { param: param[1] };
    if (raw.includes('{') || raw.includes('}')) {
      throw new Error(`unsupported route template segment "${raw}" in "${text}" (only {name} parameters are supported)`);
    }
    return { literal: raw.toLowerCase() };
  });
  return {
    text,
    rank: segments.map((s) => ('literal' in s ? 1 : 0)),
    match(path: string) {
      const parts = splitPath(path);
      if (parts.length !== segments.length) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i += 1) {
        const segment = segments[i];
        let value: string;
        try {
          value = decodeURIComponent(parts[i]);
        } catch {
          return undefined;
        }
        if ('literal' in segment) {
          if (value.toLowerCase() !== segment.literal) return undefined;
        } else {
          params[segment.param] = value;
        }
      }
      return params;
    },
  };
}

export function compareRank(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.rank.length, b.rank.length);
  for (let i = 0; i < length; i += 1) {
    const diff = (b.rank[i] ?? 0) - (a.rank[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Picks the best-ranked entry whose template matches the path. */
export function findBestMatch<T extends { template: RouteTemplate }>(
  entries: readonly T[],
  path: string,
): { entry: T; params: Record<string, string> }[] {
  return [...entries]
    .sort((a, b) => compareRank(a.template, b.template))
    .flatMap((entry) => {
      const params = entry.template.match(path);
      return params ? [{ entry, params }] : [];
    });
}
