import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStackError } from '../errors';
import type { ArmConnection } from './arm-client';
import type { AzureStackOutputs } from './stack-outputs';

/** The local stack as patientctl reaches it: the outputs it wrote in stack.json, and its ARM twin. */
export interface LocalTarget {
  description: string;
  outputs: AzureStackOutputs;
  connection: ArmConnection;
}

const OUTPUTS: (keyof AzureStackOutputs)[] = ['gatewayUrl', 'patientApiAppId', 'auditApiAppId', 'keyVaultName', 'apimNamedValueId', 'probeSubscriptionId'];

/**
 * Reads `<dataDir>/stack.json` (the stack's outputs and `armUrl`), `<dataDir>/control-token` (the
 * bearer the twin takes) and `<dataDir>/control-ca.pem` (the CA of its HTTPS certificate, made at
 * the stack's start: the one certificate authority patientctl trusts for it besides the system's).
 */
export async function readLocalTarget(dataDir: string): Promise<LocalTarget> {
  let info: Partial<Record<string, unknown>>;
  let token: string;
  let caCert: string;
  try {
    info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as Partial<Record<string, unknown>>;
    token = (await readFile(join(dataDir, 'control-token'), 'utf8')).trim();
    caCert = await readFile(join(dataDir, 'control-ca.pem'), 'utf8');
  } catch {
    throw new LocalStackError(`no local stack found in ${dataDir} (start one with: patientctl local up --data-dir ${dataDir})`);
  }
  const outputs: Partial<AzureStackOutputs> = {};
  for (const name of OUTPUTS) {
    const value = info[name];
    if (typeof value === 'string' && value !== '') outputs[name] = value;
  }
  const { armUrl } = info;
  if (typeof armUrl !== 'string' || !token || OUTPUTS.some((name) => outputs[name] === undefined)) {
    throw new LocalStackError(`${join(dataDir, 'stack.json')} is incomplete; restart the local stack`);
  }
  return { description: `local stack in ${dataDir}`, outputs: outputs as AzureStackOutputs, connection: { armUrl, token, caCert } };
}
