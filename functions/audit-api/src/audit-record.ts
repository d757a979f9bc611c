import type { JsonSchema } from '../../shared/src/validation';

/** What the Patient API sends; everything else is rejected. */
export interface AuditRecordInput {
  sourceSystemName: string;
  resource: { type: string; id: string; operation: string };
  caller?: { subscriptionId?: string; clientIp?: string; requestId?: string };
  traceId?: string;
}

export interface AuditRecord extends AuditRecordInput {
  id: string;
  createdDate: string;
}

const TOKEN = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' };

/** Most records one batch carries: a search page's disclosures (a page holds at most 100 patients). */
export const MAX_AUDIT_BATCH = 100;

export const AUDIT_SCHEMAS: Record<string, JsonSchema> = {
  AuditRecordBatch: {
    type: 'object',
    additionalProperties: false,
    required: ['records'],
    properties: { records: { type: 'array', minItems: 1, maxItems: MAX_AUDIT_BATCH, items: { $ref: '#/components/schemas/AuditRecordInput' } } },
  },
  AuditRecordInput: {
    type: 'object',
    additionalProperties: false,
    required: ['sourceSystemName', 'resource'],
    properties: {
      sourceSystemName: TOKEN,
      resource: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'id', 'operation'],
        properties: {
          type: TOKEN,
          // Hierarchical ids (`<patient>/tests/<test>`) keep a patient's records under one resourceId.
          id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._:;,=/-]+$' },
          operation: TOKEN,
        },
      },
      caller: {
        type: 'object',
        additionalProperties: false,
        properties: {
          subscriptionId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
          clientIp: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' },
          requestId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' },
        },
      },
      traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    },
  },
};

/** The register is read per resource root: `<patient>/tests/<test>` files under `<patient>`. */
export function resourceIdOf(resourceId: string): string {
  const slash = resourceId.indexOf('/');
  return slash === -1 ? resourceId : resourceId.slice(0, slash);
}
