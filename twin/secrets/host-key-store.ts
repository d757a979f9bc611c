import { readJsonFile, writePrivateFile } from './private-json-file';

export type AppName = 'patient-api' | 'audit-api';
export const APP_NAMES: readonly AppName[] = ['patient-api', 'audit-api'];

type HostKeysFile = Record<string, Record<string, string>>;

/** The Functions hosts' named host keys (Azure keeps them in the host's own storage). */
export class HostKeyStore {
  private data: HostKeysFile;

  constructor(private readonly file: string) {
    this.data = readJsonFile<HostKeysFile>(file, {});
  }

  list(app: AppName): Record<string, string> {
    return { ...(this.data[app] ?? {}) };
  }

  set(app: AppName, name: string, value: string): { created: boolean } {
    const keys = this.list(app);
    const created = !(name in keys);
    this.data = { ...this.data, [app]: { ...keys, [name]: value } };
    this.persist();
    return { created };
  }

  delete(app: AppName, name: string): boolean {
    const keys = this.list(app);
    if (!(name in keys)) return false;
    delete keys[name];
    this.data = { ...this.data, [app]: keys };
    this.persist();
    return true;
  }

  private persist(): void {
    writePrivateFile(this.file, JSON.stringify(this.data, null, 2));
  }
}
