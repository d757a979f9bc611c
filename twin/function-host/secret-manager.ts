import { createHash, timingSafeEqual } from 'node:crypto';
import { FUNCTION_DEFAULT_KEY, HOST_DEFAULT_KEY, MASTER_KEY } from '../../contracts/host-keys';
import type { HostSecrets, KeysDocument, KeysStorage } from '../secrets/keys-storage';
import { newRandomKey } from '../secrets/random-key';

/** The host-level key collections a key operation can address (`masterKey` is the one key `_master`). */
export type HostKeyScope = 'functionKeys' | 'systemKeys';

/** What a presented key is worth, in the host's order of checks. */
export type AuthorizationLevel = 'admin' | 'system' | 'function' | 'anonymous';

export interface KeyWriteResult {
  /** True when no key of that name existed (the host answers 201), false on an update (200). */
  created: boolean;
  name: string;
  value: string;
}

/** Key names as an operator sees them, never values. */
export interface KeyNames {
  hasMasterKey: boolean;
  functionKeys: string[];
  systemKeys: string[];
  /** Per function that has a secrets document, its key names. */
  functions: Record<string, string[]>;
}

export class KeyOperationError extends Error {
  constructor(
    readonly kind: 'unknown-function' | 'system-key',
    message: string,
  ) {
    super(message);
    this.name = 'KeyOperationError';
  }
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

function findName(keys: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(keys).find((existing) => existing.toLowerCase() === lower);
}

/** Constant time over every stored digest: no early exit, equal lengths. */
function matchesAny(presented: Buffer, stored: readonly Buffer[]): boolean {
  let found = false;
  for (const candidate of stored) found = timingSafeEqual(presented, candidate) || found;
  return found;
}

interface DigestIndex {
  master: Buffer[];
  system: Buffer[];
  host: Buffer[];
  functions: Map<string, Buffer[]>;
}

/**
 * One Functions host's keys, with the host's own rules (docs/azure-behaviour.md): the host document
 * (`_master` and the host function key `default`) is generated the first time it is needed and does
 * not exist; a function's document (with its `default` key) is generated on that function's first
 * key lookup, but a first write of a named key creates it empty; a deleted `default` never comes
 * back, because its document still exists. Key names match case-insensitively.
 */
export class SecretManager {
  private document: KeysDocument;
  private index: DigestIndex | undefined;

  constructor(
    private readonly storage: KeysStorage,
    private readonly functions: readonly string[],
    private readonly newKey: () => string = newRandomKey,
  ) {
    this.document = storage.load();
  }

  functionNames(): string[] {
    return [...this.functions];
  }

  /** The host document, generated when there is none. */
  hostSecrets(): HostSecrets {
    return structuredClone(this.ensureHost());
  }

  /** Adds or replaces a host key; `_master` (any scope) sets the master key. No value: one is generated. */
  setHostKey(scope: HostKeyScope, name: string, value?: string): KeyWriteResult {
    if (name.toLowerCase() === MASTER_KEY) return this.setMasterKey(value);
    const keys = this.ensureHost()[scope];
    const existing = findName(keys, name);
    const key = existing ?? name;
    keys[key] = value ?? this.newKey();
    this.changed();
    return { created: existing === undefined, name: key, value: keys[key] };
  }

  /** Sets the master key; without a value a new one is generated (the host reports that as created). */
  setMasterKey(value?: string): KeyWriteResult {
    const host = this.ensureHost();
    host.masterKey = value ?? this.newKey();
    this.changed();
    return { created: value === undefined, name: MASTER_KEY, value: host.masterKey };
  }

  /** False when there is no such key (nor a host document); the master key cannot be deleted. */
  deleteHostKey(scope: HostKeyScope, name: string): boolean {
    if (name.toLowerCase() === MASTER_KEY) throw new KeyOperationError('system-key', 'Cannot delete System Key.');
    const keys = this.document.host?.[scope];
    const existing = keys && findName(keys, name);
    if (!keys || existing === undefined) return false;
    delete keys[existing];
    this.changed();
    return true;
  }

  /** A function's keys; its document (with a `default` key) is generated when there is none. */
  functionKeys(functionName: string): Record<string, string> {
    return { ...this.ensureFunction(this.functionKey(functionName)) };
  }

  setFunctionKey(functionName: string, name: string, value?: string): KeyWriteResult {
    const documentKey = this.functionKey(functionName);
    // A first write creates the document empty: no `default` key for this function, ever.
    const keys = (this.document.functions[documentKey] ??= {});
    const existing = findName(keys, name);
    const key = existing ?? name;
    keys[key] = value ?? this.newKey();
    this.changed();
    return { created: existing === undefined, name: key, value: keys[key] };
  }

  /** False when the function has no such key (or no document). */
  deleteFunctionKey(functionName: string, name: string): boolean {
    const keys = this.document.functions[this.functionKey(functionName)];
    const existing = keys && findName(keys, name);
    if (!keys || existing === undefined) return false;
    delete keys[existing];
    this.changed();
    return true;
  }

  /**
   * The level a presented key grants on a call to `functionName`: the master key, then the host's
   * system keys, then its function keys, then the function's own keys (looked up, and so generated,
   * only when nothing before matched).
   */
  authorizationLevel(presented: string | undefined, functionName: string): AuthorizationLevel {
    if (presented === undefined || presented === '') return 'anonymous';
    this.ensureHost();
    const presentedDigest = digest(presented);
    const index = this.digests();
    if (matchesAny(presentedDigest, index.master)) return 'admin';
    if (matchesAny(presentedDigest, index.system)) return 'system';
    if (matchesAny(presentedDigest, index.host)) return 'function';
    const documentKey = this.functionKey(functionName);
    if (!this.document.functions[documentKey]) this.ensureFunction(documentKey);
    return matchesAny(presentedDigest, this.digests().functions.get(documentKey) ?? []) ? 'function' : 'anonymous';
  }

  keyNames(): KeyNames {
    const host = this.document.host;
    return {
      hasMasterKey: host !== undefined,
      functionKeys: Object.keys(host?.functionKeys ?? {}).sort(),
      systemKeys: Object.keys(host?.systemKeys ?? {}).sort(),
      functions: Object.fromEntries(Object.entries(this.document.functions).map(([name, keys]) => [name, Object.keys(keys).sort()])),
    };
  }

  private functionKey(functionName: string): string {
    const lower = functionName.toLowerCase();
    if (!this.functions.some((name) => name.toLowerCase() === lower)) {
      throw new KeyOperationError('unknown-function', `Function ${functionName} does not exist.`);
    }
    return lower;
  }

  private ensureHost(): HostSecrets {
    if (!this.document.host) {
      this.document.host = { masterKey: this.newKey(), functionKeys: { [HOST_DEFAULT_KEY]: this.newKey() }, systemKeys: {} };
      this.changed();
    }
    return this.document.host;
  }

  private ensureFunction(documentKey: string): Record<string, string> {
    let keys = this.document.functions[documentKey];
    if (!keys) {
      keys = this.document.functions[documentKey] = { [FUNCTION_DEFAULT_KEY]: this.newKey() };
      this.changed();
    }
    return keys;
  }

  private changed(): void {
    this.index = undefined;
    this.storage.save(this.document);
  }

  private digests(): DigestIndex {
    if (!this.index) {
      const host = this.document.host;
      this.index = {
        master: host ? [digest(host.masterKey)] : [],
        system: Object.values(host?.systemKeys ?? {}).map(digest),
        host: Object.values(host?.functionKeys ?? {}).map(digest),
        functions: new Map(Object.entries(this.document.functions).map(([name, keys]) => [name, Object.values(keys).map(digest)])),
      };
    }
    return this.index;
  }
}
