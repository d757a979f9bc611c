import type { StackModel } from '../../policy/model';
import { ruleRows, type RuleRow, type RuleStatus } from '../../policy/psrule/status';
import { WAIVERS } from '../../policy/waivers';

const cell = (status: RuleStatus) => ({ met: 'met', waived: '**waived**', 'not applicable': 'n/a', violated: '**VIOLATED**' })[status];
const escape = (value: string) => value.replace(/\|/g, '\\|');

function note(dev: RuleRow, prod: RuleRow): string {
  if (dev.note === prod.note) return dev.note;
  return `${prod.note}. Dev: ${dev.note}`;
}

/** docs/well-architected.md's table of every baseline rule for the stack's types, with its status in dev and prod. */
export function rulesTable(dev: StackModel, prod: StackModel): string {
  const prodRows = new Map(ruleRows(prod).map((row) => [row.id, row]));
  const lines = ruleRows(dev).map((row) => {
    const other = prodRows.get(row.id)!;
    return `| \`${row.id}\` | ${row.pillar} | ${cell(row.status)} | ${cell(other.status)} | ${escape(note(row, other))} |`;
  });
  return ['| rule | pillar | dev | prod | what holds, or why not |', '| --- | --- | --- | --- | --- |', ...lines].join('\n');
}

/** The counts line for one stack: met, waived, not applicable (and violated, which must stay 0). */
export function countsLine(stack: string, model: StackModel): string {
  const rows = ruleRows(model);
  const count = (status: RuleStatus) => rows.filter((row) => row.status === status).length;
  return `- **${stack}**: ${rows.length} rules: ${count('met')} met, ${count('waived')} waived, ${count('not applicable')} not applicable, ${count('violated')} violated.`;
}

/** The waiver register of policy/waivers.ts as docs/well-architected.md prints it. */
export function waiversTable(): string {
  const lines = WAIVERS.map((waiver) => `| \`${waiver.rule}\` | ${waiver.stacks === 'every' ? 'every stack' : waiver.stacks.join(', ')} | ${escape(waiver.reason)} |`);
  return ['| rule | waived in | reason |', '| --- | --- | --- |', ...lines].join('\n');
}
