import { randomBytes } from 'node:crypto';
import { readJsonFile, writePrivateFile } from '../../secrets/private-json-file';

/**
 * Each Cosmos DB account's key, made on this machine (64 random bytes, base64, as Azure's are)
 * and kept in `file` (0600), so the connection string in the vault stays valid across restarts.
 */
export function ensureAccountKeys(file: string, accounts: readonly string[]): Record<string, string> {
  const existing = readJsonFile<Record<string, string>>(file, {});
  const keys = Object.fromEntries(accounts.map((account) => [account, existing[account] ?? randomBytes(64).toString('base64')]));
  if (JSON.stringify(keys) !== JSON.stringify(existing)) writePrivateFile(file, JSON.stringify(keys, null, 2));
  return keys;
}
