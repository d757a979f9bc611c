import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isPastPartialDate } from './partial-date';
import { HttpProblem, type FieldError } from './problem';
import { UUID_PATTERN } from './ids';

export type JsonSchema = Record<string, unknown>;

const SCHEMA_BASE = 'https://patient-records/schemas/';

/**
 * One ajv instance per named schema set, compiled once. No type coercion and no defaults
 * injected: what the client sent is what is checked, so an object can never stand in for
 * a string (and with it, no query operator can reach the database).
 */
export class SchemaValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(schemas: Record<string, JsonSchema>) {
    this.ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, coerceTypes: false, useDefaults: false, allowUnionTypes: false });
    addFormats(this.ajv, ['date-time']);
    this.ajv.addFormat('uuid', UUID_PATTERN);
    this.ajv.addFormat('partial-date', { type: 'string', validate: (value: string) => isPastPartialDate(value) });
    for (const [name, schema] of Object.entries(schemas)) {
      this.ajv.addSchema({ ...rewriteRefs(schema), $id: SCHEMA_BASE + name });
    }
    // Compile everything now: a broken schema fails start-up, not some later request.
    for (const name of Object.keys(schemas)) this.validatorFor(name);
  }

  /** Returns the value typed as T when it satisfies the named schema; else throws a 400 problem listing every error. */
  check<T>(schemaName: string, value: unknown): T {
    const validate = this.validatorFor(schemaName);
    if (validate(value)) return value as T;
    throw new HttpProblem('validation', { errors: describeErrors(validate.errors ?? []) });
  }

  private validatorFor(schemaName: string): ValidateFunction {
    let validate = this.compiled.get(schemaName);
    if (validate === undefined) {
      validate = this.ajv.getSchema(SCHEMA_BASE + schemaName);
      if (validate === undefined) throw new Error(`Unknown schema ${schemaName}`);
      this.compiled.set(schemaName, validate);
    }
    return validate;
  }
}

/** OpenAPI refers to `#/components/schemas/X`; each schema is registered under its own id instead. */
function rewriteRefs(node: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(node), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
      ? SCHEMA_BASE + value.slice('#/components/schemas/'.length)
      : value,
  ) as JsonSchema;
}

/** Paths and keyword messages only: the offending values are never echoed back. */
function describeErrors(errors: ErrorObject[]): FieldError[] {
  const described = errors.map((error) => {
    const base = error.instancePath === '' ? '/' : error.instancePath;
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64);
      return { path: `${base === '/' ? '' : base}/${extra}`, message: 'is not an allowed field' };
    }
    return { path: base, message: error.message ?? 'is not valid' };
  });
  const unique = new Map(described.map((entry) => [`${entry.path} ${entry.message}`, entry]));
  return [...unique.values()].slice(0, 50);
}
