import { randomUUID } from 'node:crypto';

/** A UUID in its canonical 8-4-4-4-12 hexadecimal form (no braces, no urn prefix). */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export type IdGenerator = () => string;

export const randomId: IdGenerator = () => randomUUID();

/** The canonical lower-case id, or undefined when the text is not a UUID. */
export function parseUuid(text: string | undefined): string | undefined {
  return text !== undefined && UUID_PATTERN.test(text) ? text.toLowerCase() : undefined;
}
