import { PRODUCT_IDS } from '../../../contracts/gateway';
import type { LocalStackStatus } from '../deps';

type ProductId = (typeof PRODUCT_IDS)[keyof typeof PRODUCT_IDS];

/** The subscription keys stack.json holds, by product: what only `--show-keys` and `local keys` print. */
export function subscriptionKeys(status: LocalStackStatus): Record<ProductId, string> | undefined {
  if (!status.info) return undefined;
  return { [PRODUCT_IDS.consumers]: status.info.subscriptionKey, [PRODUCT_IDS.compliance]: status.info.complianceSubscriptionKey };
}

/** The status for machines (`--json`): everything but the key values, unless asked for. */
export function statusDocument(status: LocalStackStatus, showKeys: boolean): Record<string, unknown> {
  if (!status.info) return { ...status };
  const { subscriptionKey, complianceSubscriptionKey, ...info } = status.info;
  return { ...status, info: showKeys ? { ...info, subscriptionKey, complianceSubscriptionKey } : info };
}

/** A few names and how many more: the full list stays in `--json`. */
function fewOf(names: string[], shown = 2): string {
  return names.length > shown ? `${names.slice(0, shown).join(', ')} +${names.length - shown} more` : names.join(', ');
}

/** Rows as columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '));
}

/** Where a process is reached: the stack's URL served at its address (gateway, apps), else the address itself. */
function where(status: LocalStackStatus, address: string | undefined): string {
  if (!address) return '-';
  const info = status.info;
  const urls = [info?.gatewayUrl, info?.patientApiUrl, info?.auditApiUrl].filter((url): url is string => url !== undefined);
  return urls.find((url) => new URL(url).host === address) ?? `tcp://${address}`;
}

/**
 * `local status` for people: the services (the supervisor's own endpoints, then each process)
 * with URL, pid, state and health; the subnets' loopback ranges; what is declared but not
 * emulated, and why; warnings. Key values only with `showKeys`.
 */
export function statusLines(status: LocalStackStatus, showKeys: boolean): string[] {
  if (!status.running) return ['no local stack is running'];
  const info = status.info;
  const supervisorPid = String(status.supervisorPid ?? '-');
  const rows = [
    ['ARM endpoint (supervisor)', info?.armUrl ?? '-', supervisorPid, 'up', '-'],
    ['local operations (supervisor)', info?.controlUrl ?? '-', supervisorPid, 'up', '-'],
    ...status.processes.map((p) => [p.name, where(status, p.address), String(p.pid ?? '-'), p.restarts > 0 ? `${p.state} (${p.restarts} restarts)` : p.state, p.health]),
  ];
  const lines = table(['service', 'url', 'pid', 'state', 'health'], rows);
  const state = status.state;
  if (state) {
    lines.push('', "Azure's subnets on this machine:");
    lines.push(...table(['subnet', 'loopback range'], Object.entries(state.mapping.subnets)).map((line) => `  ${line}`));
    lines.push('', 'declared, not emulated (nothing local depends on it):');
    lines.push(...table(['what', 'declared by', 'why'], state.notEmulated.map((entry) => [entry.what, fewOf(entry.resources), entry.why])).map((line) => `  ${line}`));
    for (const warning of state.warnings) lines.push(`warning: ${warning}`);
  } else {
    lines.push('', 'the control endpoint did not answer: processes and what is not emulated are unknown');
  }
  const keys = subscriptionKeys(status);
  lines.push('');
  if (showKeys && keys) lines.push(...table(['product', 'subscription key'], Object.entries(keys)));
  else lines.push('subscription keys: not shown (--show-keys, or `patientctl local keys`)');
  return lines;
}
