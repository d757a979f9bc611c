import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../errors';

/** Argument readers that answer MongoDB's TypeMismatch/FailedToParse for malformed commands. */
export function collectionName(command: Document, field: string): string {
  const value = command[field] as unknown;
  if (typeof value !== 'string') {
    throw new CommandError(ErrorCode.InvalidNamespace, `collection name has invalid type ${typeOf(value)}`);
  }
  return value;
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field] as unknown;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeOf(value)}', expected type 'object'`);
  }
  return value;
}

export function documentList(command: Document, field: string): Document[] {
  const value = command[field] as unknown;
  if (!Array.isArray(value)) {
    throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeOf(value)}', expected type 'array'`);
  }
  return value as Document[];
}

export function optionalCount(command: Document, field: string): number | undefined {
  const value = command[field] as unknown;
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'object' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeOf(value)}', expected a number`);
  }
  if (number < 0) throw new CommandError(ErrorCode.BadValue, `${field} value must be non-negative, but received: ${number}`);
  return Math.trunc(number);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
