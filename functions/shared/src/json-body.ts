import type { HttpRequest } from '@azure/functions';
import { HttpProblem } from './problem';
import { findDuplicateKey } from './strict-json';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON request body: content type first (415), then size both as declared and as
 * actually received (413), then strict UTF-8 and JSON with no repeated keys (400). A body with
 * no Content-Type at all is read as JSON: the reference implementation's clients send none.
 */
export async function readJsonBody(request: HttpRequest, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new HttpProblem('payloadTooLarge');
  if (!isJsonContentType(request.headers.get('content-type'))) throw new HttpProblem('unsupportedMediaType');

  const bytes = await readAtMost(request, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpProblem('malformedJson', { detail: 'The body is not valid UTF-8.' });
  }
  if (text.trim() === '') throw new HttpProblem('malformedJson', { detail: 'A JSON body is required.' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpProblem('malformedJson');
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new HttpProblem('malformedJson', { detail: `The key "${duplicate.slice(0, 64)}" appears twice in one object.` });
  }
  return value;
}

function isJsonContentType(header: string | null): boolean {
  if (header === null) return true;
  const [mediaType, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  return parameters.every((parameter) => !parameter.startsWith('charset=') || parameter === 'charset=utf-8' || parameter === 'charset="utf-8"');
}

async function readAtMost(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HttpProblem('payloadTooLarge');
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
