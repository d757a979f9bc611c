import type { KeysDocument, KeysStorage } from './keys-storage';
import { readJsonFile, writePrivateFile } from './private-json-file';

/** One app's key documents (its Functions host's secrets repository) in a JSON file only its owner may read (0600). */
export class HostKeyStore implements KeysStorage {
  constructor(private readonly file: string) {}

  load(): KeysDocument {
    return readJsonFile<KeysDocument>(this.file, { functions: {} });
  }

  save(document: KeysDocument): void {
    writePrivateFile(this.file, JSON.stringify(document, null, 2));
  }
}
