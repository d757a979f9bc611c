import { APP_NAMES, type AppName } from '../../contracts/apps';
import { FUNCTION_DEFAULT_KEY, HOST_DEFAULT_KEY, HOST_KEY_SLOTS, hostKeyName } from '../../contracts/host-keys';
import { HOST_KEY_SECRET } from '../../contracts/secrets';
import { activeKey, parseRotationState } from '../rotation/rotation-state';
import { fail, pass, warn, type CheckResult } from './check-result';
import type { VerifyPort } from './port';

export interface KeyCheckOptions {
  /** A WARN past this age of the active key. */
  maxKeyAgeDays: number;
  /** How to run rotate-keys on this deployment, for the fixes: `patientctl rotate-keys --stack prod`. */
  rotateCommand: string;
  now: () => number;
}

const APP_OPTION: Record<AppName, string> = { 'patient-api': 'patient', 'audit-api': 'audit' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** The keys an app has besides the one its secret holds: `default`s, the other slot, keys added by hand. */
function unexpectedKeys(hostFunctionKeys: string[], systemKeys: string[], functionKeys: Record<string, string[]>, expected: string | undefined) {
  const found = { defaults: [] as string[], slots: [] as string[], others: [] as string[] };
  for (const name of hostFunctionKeys) {
    if (name === expected) continue;
    if (name.toLowerCase() === HOST_DEFAULT_KEY) found.defaults.push(name);
    else if (HOST_KEY_SLOTS.some((slot) => hostKeyName(slot) === name)) found.slots.push(name);
    else found.others.push(name);
  }
  for (const name of systemKeys) found.others.push(`system key ${name}`);
  for (const [functionName, names] of Object.entries(functionKeys)) {
    for (const name of names) (name.toLowerCase() === FUNCTION_DEFAULT_KEY ? found.defaults : found.others).push(`${functionName}/${name}`);
  }
  return found;
}

/**
 * Each callee app's keys, read through ARM (names from `listkeys`, journal and age from its
 * secret's tags and attributes; values are compared by hash and never printed): the host has
 * exactly the slot its secret holds, the journal says `complete`, and the active key is younger
 * than `--max-key-age`.
 */
export async function keyChecks(port: VerifyPort, options: KeyCheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const app of APP_NAMES) {
    const secretName = HOST_KEY_SECRET[app];
    const rotate = `${options.rotateCommand} --app ${APP_OPTION[app]}`;
    const [metadata, keys, functionKeys] = await Promise.all([port.secret(secretName), port.hostKeys(app), port.functionKeyNames(app)]);
    const state = parseRotationState(metadata?.tags);
    const active = activeKey(state, keys.functionKeys);
    const expected = active ? hostKeyName(active.slot) : undefined;

    const extra = unexpectedKeys(Object.keys(keys.functionKeys), Object.keys(keys.systemKeys), functionKeys, expected);
    const listed = [...extra.defaults, ...extra.slots, ...extra.others];
    if (listed.length === 0 && expected) results.push(pass('keys', `host-keys:${app}`, `only ${expected}, the key ${secretName} holds`));
    else {
      const fixes: string[] = [];
      if (extra.defaults.length > 0 || extra.slots.length > 0 || !expected) fixes.push(`run ${rotate}: it leaves only the slot the caller holds, deletes the default keys and regenerates the master key`);
      if (extra.others.length > 0) {
        fixes.push('delete each key rotation did not make (az functionapp keys delete --key-type functionKeys|systemKeys, or az functionapp function keys delete for a function key): it authorizes calls nobody rotates');
      }
      const detail = [expected ? `expected only ${expected}` : `no host key matches ${secretName}`, listed.length > 0 ? `found also ${listed.join(', ')}` : ''].filter(Boolean).join('; ');
      results.push(fail('keys', `host-keys:${app}`, detail, fixes.join('; ')));
    }

    if (!state) results.push(fail('keys', `rotation-journal:${secretName}`, `${secretName} carries no rotation state (never rotated)`, `run ${rotate}: on a fresh stack it issues the first keys`));
    else if (state.step !== 'complete') {
      results.push(fail('keys', `rotation-journal:${secretName}`, `journal is ${state.step} (slot ${state.slot}, generation ${state.generation})`, `run ${rotate}: it resumes or rolls back the rotation under way`));
    } else if (!active) {
      results.push(fail('keys', `rotation-journal:${secretName}`, `${secretName} holds no host key of ${app} (a key deleted behind rotation's back)`, `run ${rotate}: it issues a key the secret and the host share`));
    } else results.push(pass('keys', `rotation-journal:${secretName}`, `complete: slot ${state.slot}, generation ${state.generation}`));

    if (metadata?.updated !== undefined) {
      const days = Math.floor((options.now() - metadata.updated * 1000) / DAY_MS);
      const age = `the active key of ${app} is ${days} day${days === 1 ? '' : 's'} old`;
      results.push(
        days > options.maxKeyAgeDays
          ? warn('keys', `key-age:${secretName}`, `${age}, over --max-key-age ${options.maxKeyAgeDays}`, `run ${rotate}; check that the scheduled rotate-keys workflow runs`)
          : pass('keys', `key-age:${secretName}`, age),
      );
    }
  }
  return results;
}
