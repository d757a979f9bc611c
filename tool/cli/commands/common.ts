import { Option, type Command } from 'commander';
import type { CliDeps } from '../deps';
import { Reporter } from '../output';
import { UsageError } from '../../errors';

export const stackOption = () => new Option('-s, --stack <name>', 'the Pulumi stack (e.g. dev, prod)');
export const backendOption = () =>
  new Option('--backend <url>', 'Pulumi backend URL (file://..., https://api.pulumi.com); default: PULUMI_BACKEND_URL or your pulumi login');

export function requireStack(stack: string | undefined, command: string): string {
  if (!stack) throw new UsageError(`${command} needs --stack <name>`);
  return stack;
}

export function parseNonNegative(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new UsageError(`${name} expects a number of seconds ≥ 0, got "${value}"`);
    return parsed;
  };
}

/** A whole number ≥ 1, as counts are: "abc", "-3" and "2.5" are refused, not rounded. */
export function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < 1) throw new UsageError(`${name} expects a whole number ≥ 1, got "${value}"`);
    return parsed;
  };
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects 0..65535, got "${value}"`);
  return port;
}

/** The reporter for a command, honouring the global --json. */
export function reporterFor(command: Command, deps: CliDeps): Reporter {
  return new Reporter(deps.io, Boolean(command.optsWithGlobals<{ json?: boolean }>().json));
}
