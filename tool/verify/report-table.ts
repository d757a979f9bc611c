import type { CheckResult } from './check-result';
import type { SkippedInvariant } from './configuration-checks';

const WRAP = 100;

/** A long detail over several lines, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** The checks as a table for people: status, area, check, detail, and under each FAIL or WARN its fix, under each WAIVED its reason. */
export function formatChecks(checks: readonly CheckResult[], skipped: readonly SkippedInvariant[]): string[] {
  const checkWidth = Math.max(5, ...checks.map((entry) => entry.check.length));
  const row = (status: string, area: string, check: string, detail: string) => `${status.padEnd(7)}${area.padEnd(15)}${check.padEnd(checkWidth + 2)}${detail}`;
  const indent = ' '.repeat(7 + 15 + checkWidth + 2);
  const lines = [row('STATUS', 'AREA', 'CHECK', 'DETAIL')];
  for (const entry of checks) {
    const [first, ...rest] = wrap(entry.detail, WRAP);
    lines.push(row(entry.status, entry.area, entry.check, first), ...rest.map((line) => `${indent}${line}`));
    for (const [label, text] of [['fix', entry.fix], ['waived', entry.waiver]]) {
      if (text) lines.push(...wrap(`${label}: ${text}`, WRAP).map((line) => `${indent}${line}`));
    }
  }
  const count = (status: CheckResult['status']) => checks.filter((entry) => entry.status === status).length;
  lines.push('', `${count('PASS')} passed, ${count('FAIL')} failed, ${count('WARN')} warned, ${count('WAIVED')} waived`);
  if (skipped.length > 0) lines.push('not checked on a live deployment:', ...skipped.map((entry) => `  ${entry.check}: ${entry.reason}`));
  return lines;
}
