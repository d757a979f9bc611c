/** Where a caller puts its key for the Functions host: header `x-functions-key`, which wins, else query `code`. */
export function presentedFunctionKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const header = headers['x-functions-key'];
  return (Array.isArray(header) ? header[0] : header) ?? query.get('code') ?? undefined;
}
