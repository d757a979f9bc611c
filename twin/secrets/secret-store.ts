import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { ensurePrivateDir, readJsonFile, writePrivateFile } from './private-json-file';

export interface SecretVersion {
  name: string;
  version: string;
  value: string;
  tags: Record<string, string>;
  created: string;
}

interface StoreFile {
  secrets: Record<string, SecretVersion[]>;
}

const NAME = /^[0-9A-Za-z-]{1,127}$/;

/**
 * Versioned secrets persisted in one JSON file (mode 0600 in a 0700 directory). Every write
 * adds a version; reads without a version return the latest, as Key Vault does.
 */
export class SecretStore {
  private data: StoreFile;

  private constructor(private readonly file: string) {
    this.data = readJsonFile<StoreFile>(file, { secrets: {} });
  }

  static open(file: string): SecretStore {
    ensurePrivateDir(dirname(file));
    return new SecretStore(file);
  }

  set(name: string, value: string, tags: Record<string, string> = {}): SecretVersion {
    if (!NAME.test(name)) throw new Error(`invalid secret name "${name}" (1-127 letters, digits and dashes)`);
    const entry: SecretVersion = {
      name,
      version: randomBytes(16).toString('hex'),
      value,
      tags: { ...tags },
      created: new Date().toISOString(),
    };
    const versions = this.data.secrets[name] ?? [];
    this.data = { secrets: { ...this.data.secrets, [name]: [...versions, entry] } };
    this.persist();
    return entry;
  }

  get(name: string, version?: string): SecretVersion | undefined {
    const versions = this.data.secrets[name];
    if (!versions || versions.length === 0) return undefined;
    return version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === version);
  }

  versions(name: string): SecretVersion[] {
    return [...(this.data.secrets[name] ?? [])];
  }

  names(): string[] {
    return Object.keys(this.data.secrets).sort();
  }

  private persist(): void {
    writePrivateFile(this.file, JSON.stringify(this.data, null, 2));
  }
}
