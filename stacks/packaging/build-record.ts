import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** One file a build read: its size and modification time, and its SHA-256. */
export interface BuildInput {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * What a package was built from: every file esbuild read (sources, dependencies, host.json, the
 * bundler itself). A later build whose inputs are all the same would produce the same bytes (the
 * bundle is deterministic), so the zip is reused instead of bundled again.
 */
export interface BuildRecord {
  inputs: Record<string, BuildInput>;
  bundleBytes: number;
  telemetryBytes?: number;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function describeInputs(files: Iterable<string>): Record<string, BuildInput> {
  const inputs: Record<string, BuildInput> = {};
  for (const file of files) {
    const stat = statSync(file);
    inputs[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(file) };
  }
  return inputs;
}

/** Whether a file is still what the record says: the same size and time, or failing that the same content. */
function unchanged(file: string, input: BuildInput): boolean {
  try {
    const stat = statSync(file);
    if (stat.size !== input.size) return false;
    return stat.mtimeMs === input.mtimeMs || sha256(file) === input.sha256;
  } catch {
    return false;
  }
}

/** The record of the zip at `recordFile`, when the zip exists and none of its inputs has changed since. */
export function unchangedBuild(recordFile: string, zipFile: string): BuildRecord | undefined {
  let record: BuildRecord;
  try {
    statSync(zipFile);
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
  const entries = Object.entries(record.inputs ?? {});
  if (entries.length === 0) return undefined;
  return entries.every(([file, input]) => typeof input === 'object' && unchanged(file, input)) ? record : undefined;
}

/** Writes through a temporary file and a rename, so a concurrent reader sees the old file or the new one, never half of one. */
export async function writeAtomically(file: string, bytes: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, file);
}
