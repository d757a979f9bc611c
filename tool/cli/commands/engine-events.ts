import type { EngineEvent } from '@pulumi/pulumi/automation';

/** One progress line per finished resource step, for JSON mode where raw CLI output is not shown. */
export function engineEventLine(event: EngineEvent, write: (line: string) => void): void {
  const done = event.resOutputsEvent?.metadata;
  if (done) write(`${done.op} ${done.type} ${done.urn.split('::').at(-1) ?? ''}`);
  const diagnostic = event.diagnosticEvent;
  if (diagnostic && (diagnostic.severity === 'error' || diagnostic.severity === 'warning')) {
    write(`${diagnostic.severity}: ${diagnostic.message.trim().split('\n')[0]}`);
  }
}
