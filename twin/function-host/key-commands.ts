import type { HostSecrets } from '../secrets/keys-storage';
import { KeyOperationError, type HostKeyScope, type KeyNames, type KeyWriteResult, type SecretManager } from './secret-manager';

/** The key operations a host serves to its supervisor (the admin API ARM's key calls reach in Azure). */
export interface KeyCommands {
  hostSecrets: { params: Record<string, never>; result: HostSecrets };
  setHostKey: { params: { scope: HostKeyScope; name: string; value?: string }; result: KeyWriteResult };
  deleteHostKey: { params: { scope: HostKeyScope; name: string }; result: boolean };
  functionNames: { params: Record<string, never>; result: string[] };
  functionKeys: { params: { functionName: string }; result: Record<string, string> };
  setFunctionKey: { params: { functionName: string; name: string; value?: string }; result: KeyWriteResult };
  deleteFunctionKey: { params: { functionName: string; name: string }; result: boolean };
  keyNames: { params: Record<string, never>; result: KeyNames };
}

export type KeyCommand = { [K in keyof KeyCommands]: { op: K; params: KeyCommands[K]['params'] } }[keyof KeyCommands];

/** A refusal travels as data, so the supervisor can answer with the status the host would. */
export type KeyCommandReply<T = unknown> = { ok: true; value: T } | { ok: false; kind: KeyOperationError['kind']; message: string };

const HANDLERS: { [K in keyof KeyCommands]: (keys: SecretManager, params: KeyCommands[K]['params']) => KeyCommands[K]['result'] } = {
  hostSecrets: (keys) => keys.hostSecrets(),
  setHostKey: (keys, { scope, name, value }) => keys.setHostKey(scope, name, value),
  deleteHostKey: (keys, { scope, name }) => keys.deleteHostKey(scope, name),
  functionNames: (keys) => keys.functionNames(),
  functionKeys: (keys, { functionName }) => keys.functionKeys(functionName),
  setFunctionKey: (keys, { functionName, name, value }) => keys.setFunctionKey(functionName, name, value),
  deleteFunctionKey: (keys, { functionName, name }) => keys.deleteFunctionKey(functionName, name),
  keyNames: (keys) => keys.keyNames(),
};

export function runKeyCommand(keys: SecretManager, command: KeyCommand): KeyCommandReply {
  const handler = HANDLERS[command.op] as (keys: SecretManager, params: KeyCommand['params']) => unknown;
  try {
    return { ok: true, value: handler(keys, command.params) };
  } catch (error) {
    if (error instanceof KeyOperationError) return { ok: false, kind: error.kind, message: error.message };
    throw error;
  }
}
