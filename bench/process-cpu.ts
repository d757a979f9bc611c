import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ), asked once. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * A process's CPU time so far (user + system, all threads), in ms, from /proc/<pid>/stat. Fields
 * after the command name, which may hold spaces, are counted from its closing parenthesis.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (state).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU ms per request of each process over one measured cell: snapshot before, divide after. */
export function cpuPerRequest(processes: { name: string; pid: number }[]): (requests: number) => Record<string, number> {
  const before = new Map(processes.map((p) => [p.name, processCpuMs(p.pid)]));
  return (requests) =>
    Object.fromEntries(processes.map((p) => [p.name, requests > 0 ? (processCpuMs(p.pid) - before.get(p.name)!) / requests : 0]));
}
