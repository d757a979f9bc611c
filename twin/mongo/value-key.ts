import { EJSON, type Document } from 'bson';

/**
 * Canonical string for a BSON value under MongoDB's equality rules (1, 1.0 and
 * NumberLong(1) are equal; embedded documents compare field by field, in order).
 * Maps keyed by it give `_id` and index lookups without scanning.
 */
export function valueKey(value: unknown): string {
  if (value === undefined || value === null) return 'N';
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? 'n0' : `n${value}`;
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'b1' : 'b0';
    case 'bigint':
      return `n${value}`;
    case 'object':
      return objectKey(value);
    default:
      return `?${typeof value}`;
  }
}

function objectKey(value: object): string {
  if (value instanceof Date) return `d${value.getTime()}`;
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`;
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`;
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') {
    switch (bsonType) {
      case 'ObjectId':
        return `o${(value as { toHexString(): string }).toHexString()}`;
      case 'Long':
      case 'Int32':
      case 'Double':
      case 'Decimal128':
        return `n${(value as { toString(): string }).toString()}`;
      default:
        return `${bsonType}:${EJSON.stringify({ v: value as Document }, { relaxed: false })}`;
    }
  }
  const parts: string[] = [];
  for (const [field, fieldValue] of Object.entries(value)) parts.push(`${JSON.stringify(field)}:${valueKey(fieldValue)}`);
  return `{${parts.join(',')}}`;
}

/** Whether a filter value is a plain equality operand (not an operator document, regex or array). */
export function isEqualityOperand(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return value !== undefined;
  if (Array.isArray(value) || value instanceof RegExp) return false;
  if (value instanceof Date) return true;
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') return bsonType !== 'BSONRegExp';
  const fields = Object.keys(value);
  return fields.length > 0 && !fields.some((field) => field.startsWith('$'));
}

/** Renders a value the way MongoDB prints it in a duplicate-key message (`{ email: "a@b" }`). */
export function formatKeyValue(doc: Document): string {
  const fields = Object.entries(doc).map(([field, value]) => `${field}: ${formatValue(value)}`);
  return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'object') return typeof value;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (bsonType === 'ObjectId') return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
  if (typeof bsonType === 'string') return (value as { toString(): string }).toString();
  return formatKeyValue(value);
}
