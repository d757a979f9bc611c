/** The host secrets document of one app: the master key, host function keys and system keys. */
export interface HostSecrets {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

/**
 * Everything a Functions host keeps about its keys, as its secrets repository does (one blob per
 * document): the host document, absent until first generated, and one document per function
 * (keyed by the lower-cased function name), absent until that function's keys are first looked up.
 */
export interface KeysDocument {
  host?: HostSecrets;
  functions: Record<string, Record<string, string>>;
}

/** Where a host's key documents live: a private file locally, memory in tests. */
export interface KeysStorage {
  load(): KeysDocument;
  save(document: KeysDocument): void;
}

/** Key documents held in memory (tests, the in-memory ARM twin). */
export class MemoryKeysStorage implements KeysStorage {
  private document: KeysDocument = { functions: {} };

  load(): KeysDocument {
    return structuredClone(this.document);
  }

  save(document: KeysDocument): void {
    this.document = structuredClone(document);
  }
}
