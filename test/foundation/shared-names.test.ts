import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITIES } from '../../contracts/apps';
import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS, TELEMETRY_AUTHENTICATION_SETTING, TELEMETRY_SETTING } from '../../contracts/app-settings';
import { GATEWAY_APIS, GATEWAY_PRODUCTS, PATIENT_API_BACKEND, PATIENT_API_KEY_NAMED_VALUE, PROBE_SUBSCRIPTION } from '../../contracts/gateway';
import { HOST_KEY_SLOTS, hostKeyName } from '../../contracts/host-keys';
import { SECRETS } from '../../contracts/secrets';
import { readImportGraph, REPO_ROOT } from './import-graph';

/**
 * The names the parts share, each declared once in contracts/. App and identity names are left
 * out: they are literal types (AppName, IdentityName), so the compiler checks every use; so is a
 * name equal to one (the backend `patient-api`), and the API id `patients`, also a database's name.
 */
const SHARED_NAMES: readonly string[] = ([
  ...Object.values(SECRETS),
  ...Object.values(PATIENT_API_SETTINGS),
  ...Object.values(AUDIT_API_SETTINGS),
  TELEMETRY_SETTING,
  TELEMETRY_AUTHENTICATION_SETTING,
  ...GATEWAY_APIS.map((api) => api.apiId).filter((id) => id !== 'patients'),
  ...GATEWAY_PRODUCTS.map((product) => product.productId),
  PROBE_SUBSCRIPTION.subscriptionId,
  PATIENT_API_BACKEND,
  PATIENT_API_KEY_NAMED_VALUE,
  ...HOST_KEY_SLOTS.map(hostKeyName),
] as string[]).filter((name) => !(IDENTITIES as readonly string[]).includes(name));

/** Folders whose code must import the names: what ships, what imitates Azure, and the benchmarks. Tests restate them on purpose. */
const CHECKED = ['stacks/', 'functions/', 'tool/', 'twin/', 'bench/', 'load/'];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where a text spells out one of the names: as a string literal, or as an object key. */
export function copiedNames(text: string, names: readonly string[]): string[] {
  const found: string[] = [];
  for (const name of names) {
    const literal = new RegExp(`['"\`]${escape(name)}['"\`]|(?<![\\w.'"\`])${escape(name)}\\s*:(?!:)`);
    text.split('\n').forEach((line, index) => {
      if (literal.test(line) && !/^\s*(\*|\/\/)/.test(line)) found.push(`${index + 1}: ${name}`);
    });
  }
  return found;
}

describe('the shared names of contracts/', () => {
  it('finds a copied name, as a literal or as a key (the check can fail)', () => {
    expect(copiedNames(`const s = settings('AUDIT_API_URL');\nconst env = { SEARCH_HASH_KEY: 'x' };\n`, SHARED_NAMES)).to.deep.equal(['1: AUDIT_API_URL', '2: SEARCH_HASH_KEY']);
    expect(copiedNames(`const s = settings(PATIENT_API_SETTINGS.auditApiUrl); // AUDIT_API_URL\n`, SHARED_NAMES)).to.deep.equal([]);
  });

  it('are imported wherever code outside contracts/ and test/ uses them, never spelled out again', () => {
    const copies = readImportGraph()
      .files.filter((file) => CHECKED.some((folder) => file.startsWith(folder)))
      .flatMap((file) => copiedNames(readFileSync(join(REPO_ROOT, file), 'utf8'), SHARED_NAMES).map((where) => `${file}:${where}`));
    expect(copies).to.deep.equal([]);
  });
});
