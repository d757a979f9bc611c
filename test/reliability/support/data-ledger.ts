import type { Document } from 'mongodb';
import type { StackDatabases } from '../../support/local-stack';

/**
 * What the databases hold, read directly with the official driver (not through the APIs):
 * every stored patient and test result with its version, and every audit row.
 */
export interface DataLedger {
  /** Resource id as the audit register names it (`<patientId>` or `<patientId>/tests/<testId>`) → stored version. */
  versions: Map<string, string>;
  audits: Map<string, AuditRow>;
}

export interface AuditRow {
  resource: { type: string; id: string; operation: string };
  caller?: { subscriptionId?: string; clientIp?: string };
}

const WRITE_OPERATIONS = new Set(['create', 'update']);

export async function readLedger(databases: StackDatabases): Promise<DataLedger> {
  const patients = databases.db('patients');
  const versions = new Map<string, string>();
  for (const p of await patients.collection('patients').find({}, { projection: { _id: 1, _version: 1 } }).toArray()) {
    versions.set(String(p._id), String(p._version));
  }
  for (const t of await patients.collection('tests').find({}, { projection: { _id: 1, patientId: 1, _version: 1 } }).toArray()) {
    versions.set(`${String(t.patientId)}/tests/${String(t._id)}`, String(t._version));
  }
  const audits = new Map<string, AuditRow>();
  for (const row of await databases.db('audit').collection('audits').find({}).toArray()) {
    audits.set(String(row._id), { resource: row.resource as AuditRow['resource'], ...(row.caller ? { caller: row.caller as AuditRow['caller'] } : {}) });
  }
  return { versions, audits };
}

/** Between two readings: which resources were written (created or given a new version) and which audit rows appeared. */
export interface LedgerDelta {
  writes: string[];
  auditRows: AuditRow[];
  /** Writes without an audit row of a create or update of that very resource among the new rows. */
  unaudited: string[];
}

export function ledgerDelta(before: DataLedger, after: DataLedger): LedgerDelta {
  const writes = [...after.versions].filter(([id, version]) => before.versions.get(id) !== version).map(([id]) => id);
  const auditRows = [...after.audits].filter(([id]) => !before.audits.has(id)).map(([, row]) => row);
  const audited = new Set(auditRows.filter((row) => WRITE_OPERATIONS.has(row.resource.operation)).map((row) => row.resource.id));
  return { writes, auditRows, unaudited: writes.filter((id) => !audited.has(id)) };
}

/** Every stored resource checked against every audit row ever written. */
export function unauditedResources(ledger: DataLedger): string[] {
  const audited = new Set([...ledger.audits.values()].filter((row) => WRITE_OPERATIONS.has(row.resource.operation)).map((row) => row.resource.id));
  return [...ledger.versions.keys()].filter((id) => !audited.has(id));
}

/** Paths of every key starting with `$` in every document of every collection of the given databases. */
export async function operatorKeysStored(databases: StackDatabases, dbNames: string[]): Promise<{ scanned: number; found: string[] }> {
  let scanned = 0;
  const found: string[] = [];
  for (const dbName of dbNames) {
    const db = databases.db(dbName);
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      for (const document of await db.collection(name).find({}).toArray()) {
        scanned += 1;
        for (const path of dollarKeyPaths(document, `${dbName}.${name}`)) found.push(path);
      }
    }
  }
  return { scanned, found };
}

function dollarKeyPaths(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => dollarKeyPaths(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object' || value instanceof Date) return [];
  if ((value as Document)._bsontype !== undefined) return [];
  return Object.entries(value as Document).flatMap(([key, inner]) => [...(key.startsWith('$') ? [`${path}.${key}`] : []), ...dollarKeyPaths(inner, `${path}.${key}`)]);
}
